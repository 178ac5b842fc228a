// Every browse reader, in the order a partition is tried against them: the order of the
// allocation readers (allocation-readers.ts), for the same reason. ext and NTFS know their
// filesystem by a magic number or a name in the boot sector and exFAT by its name; FAT has
// no such name and is recognised by the values of its boot sector alone, which an NTFS or
// exFAT boot sector could pass for, so it comes last.

import type { BrowseReader } from './browse.js';
import { exfatBrowseReader } from './exfat/browse.js';
import { extBrowseReader } from './ext/browse.js';
import { fatBrowseReader } from './fat/browse.js';
import { ntfsBrowseReader } from './ntfs/browse.js';

export const BROWSE_READERS: BrowseReader[] = [
  extBrowseReader,
  ntfsBrowseReader,
  exfatBrowseReader,
  fatBrowseReader,
];
