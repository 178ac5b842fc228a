// An exFAT folder's entries, 32 bytes each. A file or folder is an entry set: a File entry
// (0x85: attributes, times, how many entries follow), a Stream Extension (0xC0: first cluster,
// lengths, whether the clusters are contiguous) and File Name entries (0xC1: 15 UTF-16 code
// units each), with a checksum over the whole set in the File entry. Entries whose type has bit
// 7 clear are unused (deleted files keep their bytes with that bit cleared); 0x00 ends the
// folder. The root also holds the allocation bitmap (0x81), the up-case table (0x82) and the
// volume label (0x83).
//
// A set whose checksum fails is still an entry (its name is shown, reading it is an error); a
// set whose structure is broken (entries missing or out of place) means the folder's bytes
// cannot be trusted, and the folder is the error.

import { Distrust } from '../../read-at.js';
import { dosTime } from '../fat/dos-time.js';
import { isSafeName } from '../fat/names.js';

export const ENTRY_BYTES = 32;

const FILE = 0x85;
const STREAM_EXTENSION = 0xc0;
const FILE_NAME = 0xc1;
const VOLUME_LABEL = 0x83;
const IN_USE = 0x80;
const SECONDARY = 0x40;
const BENIGN = 0x20;
const ATTR_DIRECTORY = 0x10;
const ALLOCATION_POSSIBLE = 0x1;
const NO_FAT_CHAIN = 0x2;
const NAME_UNITS_PER_ENTRY = 15;

export interface ExfatDirent {
  name: string;
  folder: boolean;
  mtimeMs: number | null;
  firstCluster: number;
  /** NoFatChain: the clusters are contiguous and the FAT does not list them. */
  contiguous: boolean;
  allocated: boolean;
  /** Bytes of content (DataLength), and how many of them were written (ValidDataLength); the
   *  rest reads as zeros. Either may exceed 2^53 on a damaged volume (then it is Infinity). */
  dataLength: number;
  validLength: number;
  /** Index of the File entry in its folder. */
  index: number;
  /** Whether the set's checksum matches. */
  intact: boolean;
}

export type DirentEvent =
  | { kind: 'entry'; dirent: ExfatDirent }
  | { kind: 'label'; label: string }
  | { kind: 'end' }
  | null;

/** Reads a folder's entries one at a time, gathering each entry set. */
export class DirectoryParser {
  private set: Buffer[] = [];
  /** Secondary entries the set being gathered still expects. */
  private missing = 0;
  /** Whether the set being gathered is kept (a file) or skipped (another benign primary). */
  private keep = false;
  private setIndex = 0;

  /** One 32-byte entry, the `index`th of its folder. */
  feed(entry: Buffer, index: number): DirentEvent {
    const type = entry[0]!;
    if (this.missing > 0) {
      if (!(type & IN_USE) || !(type & SECONDARY)) {
        throw damaged(`the entries of entry ${this.setIndex} stop short`);
      }
      this.missing--;
      if (this.keep) this.set.push(Buffer.from(entry));
      if (this.missing > 0 || !this.keep) return null;
      return { kind: 'entry', dirent: direntOf(this.set, this.setIndex) };
    }
    if (type === 0x00) return { kind: 'end' };
    if (!(type & IN_USE)) return null;
    if (type & SECONDARY) throw damaged(`entry ${index} belongs to no file`);
    if (type === FILE) {
      const count = entry[1]!;
      if (count < 2) throw damaged(`entry ${index} has no room for a name`);
      this.set = [Buffer.from(entry)];
      this.missing = count;
      this.keep = true;
      this.setIndex = index;
      return null;
    }
    if (type === VOLUME_LABEL) {
      const units = entry[1]!;
      if (units > 11) return null;
      return { kind: 'label', label: entry.toString('utf16le', 2, 2 + units * 2) };
    }
    // The bitmap and the up-case table: critical, known, one entry each.
    if (type === 0x81 || type === 0x82) return null;
    if (!(type & BENIGN)) throw damaged(`entry ${index} is of an unknown kind (${type})`);
    // A benign primary this reader does not know (volume GUID, TexFAT padding…): skipped with
    // its secondary entries, as the specification allows.
    this.missing = entry[1]!;
    this.keep = false;
    return null;
  }
}

/** The checksum over an entry set, leaving out the checksum's own two bytes. */
export function setChecksum(set: Buffer[]): number {
  let sum = 0;
  set.forEach((entry, n) => {
    for (let i = 0; i < ENTRY_BYTES; i++) {
      if (n === 0 && (i === 2 || i === 3)) continue;
      sum = ((sum & 1 ? 0x8000 : 0) + (sum >> 1) + entry[i]!) & 0xffff;
    }
  });
  return sum;
}

function direntOf(set: Buffer[], index: number): ExfatDirent {
  const [file, stream] = set as [Buffer, Buffer];
  if (stream[0] !== STREAM_EXTENSION) throw damaged(`entry ${index} has no stream entry`);
  const nameUnits = stream[3]!;
  const nameEntries = Math.ceil(nameUnits / NAME_UNITS_PER_ENTRY);
  if (nameUnits === 0 || set.length < 2 + nameEntries) {
    throw damaged(`entry ${index} has no room for its name`);
  }
  const names = set.slice(2, 2 + nameEntries);
  if (names.some((entry) => entry[0] !== FILE_NAME)) {
    throw damaged(`entry ${index} lacks its name entries`);
  }
  const name = Buffer.concat(names.map((entry) => entry.subarray(2, 32))).toString(
    'utf16le',
    0,
    nameUnits * 2,
  );
  if (!isSafeName(name)) throw damaged(`entry ${index} holds no valid name`);
  const flags = stream[1]!;
  const offset = file[23]!;
  // Bits 0-6 of the offset: signed, in 15-minute steps; bit 7: the offset is recorded.
  const utcOffset = offset & 0x80 ? (((offset & 0x7f) ^ 0x40) - 0x40) * 15 : null;
  const stamp = file.readUInt32LE(12);
  return {
    name,
    folder: (file.readUInt16LE(4) & ATTR_DIRECTORY) !== 0,
    mtimeMs: stamp === 0 ? null : dosTime(stamp >>> 16, stamp & 0xffff, file[21]!, utcOffset),
    firstCluster: stream.readUInt32LE(20),
    contiguous: (flags & NO_FAT_CHAIN) !== 0,
    allocated: (flags & ALLOCATION_POSSIBLE) !== 0,
    dataLength: safeNumber(stream.readBigUInt64LE(24)),
    validLength: safeNumber(stream.readBigUInt64LE(8)),
    index,
    intact: setChecksum(set) === file.readUInt16LE(2),
  };
}

/** The folder's bytes are not a folder's entries: the folder is the error. */
const damaged = (detail: string) => new Distrust(`its entries are damaged (${detail})`);

const safeNumber = (value: bigint) =>
  value > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(value);
