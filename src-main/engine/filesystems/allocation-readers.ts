// Every allocation reader, in the order a partition is tried against them. Readers that
// recognise their filesystem by a name in the boot sector come before FAT, whose boot sector
// has no such name and is recognised by its values alone.

import type { FilesystemReader } from './allocation.js';
import { exfatReader } from './exfat/allocation.js';
import { extReader } from './ext/allocation.js';
import { fatReader } from './fat/allocation.js';
import { ntfsReader } from './ntfs/allocation.js';
import { swapReader } from './swap/allocation.js';

export const ALLOCATION_READERS: FilesystemReader[] = [
  extReader,
  ntfsReader,
  exfatReader,
  fatReader,
  swapReader,
];
