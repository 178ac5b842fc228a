// Linux swap: only its first page (the header, label and UUID) matters; the rest is stale
// swapped-out memory that is never read back after a reboot. A swap area holding a
// hibernation image is not stale: it is read whole.

import { Distrust, type ReadAt } from '../../read-at.js';
import type { FilesystemReader } from '../allocation.js';

const PAGE = 4096;

export const swapReader: FilesystemReader = {
  name: 'swap',
  async read(read: ReadAt, size: number) {
    if (size < PAGE * 2) return null;
    const header = await read(0, PAGE);
    const signature = header.toString('latin1', PAGE - 10, PAGE);
    if (/SUSPEND/.test(signature)) throw new Distrust('swap holds a hibernation image');
    if (signature !== 'SWAPSPACE2') return null;
    const label = header.toString('latin1', 1052, 1068).replace(/\0.*$/s, '');
    return {
      filesystem: 'swap',
      ...(label ? { label } : {}),
      used: [[0, PAGE]],
    };
  },
};
