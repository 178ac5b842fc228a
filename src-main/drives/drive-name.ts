// The name a person knows a drive by, from what drivelist read (lsblk's label, vendor and
// model, joined): only the words in it. A virtio disk's "vendor" is a PCI id ("0x1af4") and
// a SATA disk's is "ATA": neither names anything. With no words left, the drive is named by
// its size ("256 GiB disk"), or by its place in the list when it has no size either.

import { formatBytes } from '../../src-shared/units.js';

/** Tokens that are ids or bus names, not names: "0x1af4", "ATA". */
const NOT_A_NAME = /^(0x[0-9a-f]+|ata|scsi|generic-?)$/i;

export function driveName(
  record: { description: string; size: number | null; isVirtual?: boolean | null },
  /** Its place in the list, from 0. */
  index: number,
): string {
  const words = record.description
    .split(/\s+/)
    .filter((token) => token !== '' && !NOT_A_NAME.test(token));
  if (words.some((token) => /\p{L}/u.test(token))) return words.join(' ');
  const size = record.size ?? 0;
  if (size > 0) return `${formatBytes(size)} ${record.isVirtual ? 'virtual disk' : 'disk'}`;
  return `Disk ${index + 1}`;
}
