// A FAT folder's entries, 32 bytes each: long-name entries (attribute 0x0F) come before the
// short entry they name, last part first. A long name counts only when its parts are complete,
// in order, and carry the checksum of the short name that follows; otherwise the short name is
// the name, as Windows, Linux and mtools do.

import { Distrust } from '../../read-at.js';
import { dosTime } from './dos-time.js';
import { longName, longNamePart, shortName, shortNameChecksum, volumeLabel } from './names.js';

export const ENTRY_BYTES = 32;

const ATTR_VOLUME = 0x08;
const ATTR_DIRECTORY = 0x10;
const ATTR_LONG_NAME = 0x0f;
const LAST_LONG_PART = 0x40;
const DELETED = 0xe5;
const COMPLETE = -1;

export interface FatDirent {
  name: string;
  folder: boolean;
  /** 0 for an entry without clusters (an empty file). */
  firstCluster: number;
  size: number;
  mtimeMs: number | null;
  /** Byte offset of the short entry in the partition: identifies an empty file. */
  at: number;
}

/** What one entry completes: an entry of the folder, the volume label, the folder's end. */
export type DirentEvent =
  { kind: 'entry'; dirent: FatDirent } | { kind: 'label'; label: string } | { kind: 'end' } | null;

/** Reads a folder's entries one at a time, keeping the long name being gathered. */
export class DirectoryParser {
  /** Parts of the long name being gathered, indexed by sequence number - 1. */
  private parts: Uint16Array[] = [];
  /** The sequence number the next part must have; 0: no long name; COMPLETE: all parts in. */
  private expected = 0;
  private checksum = 0;

  constructor(private readonly fat32: boolean) {}

  /** One 32-byte entry, found at byte `at` of the partition. */
  feed(entry: Buffer, at: number): DirentEvent {
    const first = entry[0]!;
    if (first === 0x00) return { kind: 'end' };
    const attributes = entry[11]!;
    if (first === DELETED) {
      this.expected = 0;
      return null;
    }
    if ((attributes & 0x3f) === ATTR_LONG_NAME) {
      this.gather(entry);
      return null;
    }
    const gathered = this.expected === COMPLETE ? this.finish(entry) : null;
    this.expected = 0;
    if (attributes & ATTR_VOLUME && !(attributes & ATTR_DIRECTORY)) {
      const label = volumeLabel(entry);
      return label === null ? null : { kind: 'label', label };
    }
    if (isDotEntry(entry)) return null;
    const short = shortName(entry, entry[12]!);
    if (short === null) {
      throw new Distrust(`its entries are damaged (entry ${at} has no valid name)`);
    }
    const high = this.fat32 ? entry.readUInt16LE(20) : 0;
    return {
      kind: 'entry',
      dirent: {
        name: gathered ?? short,
        folder: (attributes & ATTR_DIRECTORY) !== 0,
        firstCluster: high * 0x10000 + entry.readUInt16LE(26),
        size: entry.readUInt32LE(28),
        mtimeMs: dosTime(entry.readUInt16LE(24), entry.readUInt16LE(22)),
        at,
      },
    };
  }

  /** A long-name entry: starts, continues or breaks the long name being gathered. */
  private gather(entry: Buffer): void {
    const order = entry[0]!;
    const sequence = order & 0x1f;
    // Type 0 is a name part; other types are reserved. A part out of order breaks the name.
    const valid = entry[12] === 0 && sequence >= 1 && sequence <= 20;
    if (valid && order & LAST_LONG_PART) {
      this.parts = [];
      this.parts[sequence - 1] = longNamePart(entry);
      this.checksum = entry[13]!;
      this.expected = sequence === 1 ? COMPLETE : sequence - 1;
      return;
    }
    if (valid && sequence === this.expected && entry[13] === this.checksum) {
      this.parts[sequence - 1] = longNamePart(entry);
      this.expected = sequence === 1 ? COMPLETE : sequence - 1;
      return;
    }
    this.expected = 0;
  }

  /** The gathered long name, when it is complete and belongs to this short entry. */
  private finish(entry: Buffer): string | null {
    if (this.checksum !== shortNameChecksum(entry)) return null;
    return longName(this.parts);
  }
}

/** "." and ".." of a subfolder. */
function isDotEntry(entry: Buffer): boolean {
  const name = entry.toString('latin1', 0, 11);
  return name === '.          ' || name === '..         ';
}
