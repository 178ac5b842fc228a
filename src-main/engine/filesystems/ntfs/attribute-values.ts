// The values of the NTFS attributes the browse reader looks into, as pure functions over bytes:
// $STANDARD_INFORMATION (times, file attributes), $FILE_NAME (a name, in one of four
// namespaces; also the key of every folder index entry), $ATTRIBUTE_LIST (which records hold
// a file's attributes when one record is not enough) and $REPARSE_POINT (symlinks, junctions).
// Every length is checked against the value it sits in.

import { Distrust } from '../../read-at.js';

/** NTFS times count 100 ns intervals since 1601-01-01 UTC. */
const TICKS_PER_MS = 10_000n;
const TICKS_1601_TO_1970 = 116_444_736_000_000_000n;

/** ms since 1970 UTC (fractions of a ms kept) of an NTFS time. */
export function ntfsTimeToMs(ticks: bigint): number {
  const since1970 = ticks - TICKS_1601_TO_1970;
  const whole = since1970 / TICKS_PER_MS;
  const rest = since1970 % TICKS_PER_MS;
  return Number(whole) + Number(rest) / Number(TICKS_PER_MS);
}

/** File attribute bits ($STANDARD_INFORMATION, $FILE_NAME). */
export const FILE_ATTR_HIDDEN = 0x0002;
export const FILE_ATTR_SYSTEM = 0x0004;
export const FILE_ATTR_REPARSE_POINT = 0x0400;
export const FILE_ATTR_ENCRYPTED = 0x4000;
/** Set in $FILE_NAME (and index keys) of folders. */
export const FILE_NAME_IS_DIRECTORY = 0x10000000;

export interface StandardInformation {
  /** Last change of the contents ("file altered" time), ms since 1970. */
  mtimeMs: number;
  fileAttributes: number;
}

export function parseStandardInformation(value: Buffer, what: string): StandardInformation {
  // NTFS 1.2 had 48 bytes; 3.x adds owner, security and quota fields after.
  if (value.length < 48) throw new Distrust(`NTFS ${what}: $STANDARD_INFORMATION is too short`);
  return {
    mtimeMs: ntfsTimeToMs(value.readBigUInt64LE(0x08)),
    fileAttributes: value.readUInt32LE(0x20),
  };
}

/** Which rules a name follows. A DOS name is the 8.3 alias of a long Win32 name. */
export const NAMESPACE_POSIX = 0;
export const NAMESPACE_WIN32 = 1;
export const NAMESPACE_DOS = 2;
export const NAMESPACE_WIN32_AND_DOS = 3;

export interface FileName {
  parentRecord: number;
  parentSequence: number;
  /** File attributes as of the last time the name was written (may be stale). */
  flags: number;
  namespace: number;
  name: string;
}

const FILE_NAME_HEADER = 0x42;

export function parseFileName(value: Buffer, what: string): FileName {
  if (value.length < FILE_NAME_HEADER) throw new Distrust(`NTFS ${what}: file name is too short`);
  const length = value[0x40]!;
  if (FILE_NAME_HEADER + length * 2 > value.length) {
    throw new Distrust(`NTFS ${what}: file name runs off its attribute`);
  }
  const parent = value.readBigUInt64LE(0);
  return {
    parentRecord: Number(parent & 0xffffffffffffn),
    parentSequence: Number(parent >> 48n),
    flags: value.readUInt32LE(0x38),
    namespace: value[0x41]!,
    name: value.toString('utf16le', FILE_NAME_HEADER, FILE_NAME_HEADER + length * 2),
  };
}

export interface AttributeListEntry {
  type: number;
  name: string;
  lowestVcn: number;
  /** The MFT record that holds this attribute (piece). */
  record: number;
  sequence: number;
  /** The attribute's instance number in that record. */
  id: number;
}

/** The entries of an $ATTRIBUTE_LIST value, each checked to lie inside it. */
export function parseAttributeList(value: Buffer, what: string): AttributeListEntry[] {
  const bad = (why: string) => new Distrust(`NTFS ${what}: attribute list ${why}`);
  const entries: AttributeListEntry[] = [];
  for (let at = 0; at < value.length;) {
    if (at + 0x1a > value.length) throw bad('ends inside an entry');
    const length = value.readUInt16LE(at + 4);
    const nameLength = value[at + 6]!;
    const nameOffset = value[at + 7]!;
    if (length < 0x1a || at + length > value.length) throw bad('has an entry of a bad length');
    if (nameLength > 0 && nameOffset + nameLength * 2 > length) throw bad('has a name outside');
    const lowestVcn = value.readBigUInt64LE(at + 8);
    if (lowestVcn > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('has an impossible VCN');
    const reference = value.readBigUInt64LE(at + 0x10);
    entries.push({
      type: value.readUInt32LE(at),
      name: value.toString('utf16le', at + nameOffset, at + nameOffset + nameLength * 2),
      lowestVcn: Number(lowestVcn),
      record: Number(reference & 0xffffffffffffn),
      sequence: Number(reference >> 48n),
      id: value.readUInt16LE(at + 0x18),
    });
    at += length;
  }
  return entries;
}

export const REPARSE_TAG_MOUNT_POINT = 0xa0000003;
export const REPARSE_TAG_SYMLINK = 0xa000000c;
/** A symlink whose target is relative to the folder holding it. */
const SYMLINK_FLAG_RELATIVE = 0x1;

export interface ReparsePoint {
  tag: number;
  /** For symlinks and junctions: where they point, else null. */
  target: string | null;
}

/**
 * A reparse point's tag and, for a symlink or a junction (mount point), its target: a relative
 * symlink's target with '/' between its parts (as ntfs-3g shows it); an absolute one, or a
 * junction, as Windows prints it ("C:\Users\me"), since it names a place on a Windows drive.
 */
export function parseReparsePoint(value: Buffer, what: string): ReparsePoint {
  const bad = (why: string) => new Distrust(`NTFS ${what}: reparse point ${why}`);
  if (value.length < 8) throw bad('is too short');
  const tag = value.readUInt32LE(0);
  const dataLength = value.readUInt16LE(4);
  if (8 + dataLength > value.length) throw bad('runs off its attribute');
  if (tag !== REPARSE_TAG_SYMLINK && tag !== REPARSE_TAG_MOUNT_POINT) return { tag, target: null };
  const data = value.subarray(8, 8 + dataLength);
  const pathsAt = tag === REPARSE_TAG_SYMLINK ? 12 : 8;
  if (data.length < pathsAt) throw bad('is too short for its paths');
  const paths = data.subarray(pathsAt);
  const name = (offset: number, length: number) => {
    if (offset % 2 !== 0 || length % 2 !== 0 || offset + length > paths.length) {
      throw bad('has a path outside');
    }
    return paths.toString('utf16le', offset, offset + length);
  };
  const substitute = name(data.readUInt16LE(0), data.readUInt16LE(2));
  const print = name(data.readUInt16LE(4), data.readUInt16LE(6));
  const relative =
    tag === REPARSE_TAG_SYMLINK && (data.readUInt32LE(8) & SYMLINK_FLAG_RELATIVE) !== 0;
  if (relative) return { tag, target: substitute.replaceAll('\\', '/') };
  return { tag, target: print !== '' ? print : substitute };
}
