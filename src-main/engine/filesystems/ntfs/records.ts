// NTFS's on-disk building blocks, as pure functions over bytes: multi-sector records with their
// update sequence fixups (MFT records, index nodes, $LogFile restart pages) and the attributes
// of an MFT record. Runlists (where a non-resident attribute's clusters are) are in runlist.ts.
// Anything that does not add up throws Distrust: the allocation reader then reads the
// partition whole, the browse reader calls the entry damaged.

import { Distrust } from '../../read-at.js';

/** The update sequence protects every 512-byte block, whatever the sector size. */
const FIXUP_STRIDE = 512;

export const ATTR_STANDARD_INFORMATION = 0x10;
export const ATTR_ATTRIBUTE_LIST = 0x20;
export const ATTR_FILE_NAME = 0x30;
export const ATTR_VOLUME_NAME = 0x60;
export const ATTR_VOLUME_INFORMATION = 0x70;
export const ATTR_DATA = 0x80;
export const ATTR_INDEX_ROOT = 0x90;
export const ATTR_INDEX_ALLOCATION = 0xa0;
export const ATTR_REPARSE_POINT = 0xc0;
const ATTR_END = 0xffffffff;

/** Attribute flags: the compression method (1 = LZNT1), encrypted, sparse. */
export const ATTR_FLAG_COMPRESSION_MASK = 0x00ff;
export const ATTR_FLAG_ENCRYPTED = 0x4000;
export const ATTR_FLAG_SPARSE = 0x8000;

/** MFT record flags. */
const RECORD_IN_USE = 0x0001;
export const RECORD_IS_DIRECTORY = 0x0002;

/**
 * Checks and undoes the update sequence of a multi-sector record in place: the last two
 * bytes of each 512-byte block must hold the sequence number (else the record was torn by an
 * interrupted write) and get their saved value back.
 */
export function applyFixups(record: Buffer, what: string): void {
  const usaOffset = record.readUInt16LE(4);
  const usaCount = record.readUInt16LE(6);
  if (
    record.length % FIXUP_STRIDE !== 0 ||
    usaCount !== record.length / FIXUP_STRIDE + 1 ||
    usaOffset % 2 !== 0 ||
    usaOffset < 8 ||
    usaOffset + usaCount * 2 > FIXUP_STRIDE - 2
  ) {
    throw new Distrust(`NTFS ${what}: update sequence array does not fit`);
  }
  const usn = record.readUInt16LE(usaOffset);
  for (let i = 1; i < usaCount; i++) {
    const end = i * FIXUP_STRIDE - 2;
    if (record.readUInt16LE(end) !== usn) {
      throw new Distrust(`NTFS ${what}: update sequence mismatch (torn write)`);
    }
    record.writeUInt16LE(record.readUInt16LE(usaOffset + i * 2), end);
  }
}

export interface Attribute {
  type: number;
  /** Name length in UTF-16 units: 0 for the unnamed (default) stream. */
  nameLength: number;
  /** The name ('' for the unnamed stream), e.g. '$I30' for a folder's index. */
  name: string;
  flags: number;
  /** The attribute's instance number in its record (what an attribute list refers to). */
  id: number;
  /** Resident: the value. */
  value?: Buffer;
  /** Non-resident: sizes, VCN span and the runlist bytes. */
  nonResident?: {
    lowestVcn: number;
    highestVcn: number;
    /** log2 of the clusters per compression unit (0: not compressed). */
    compressionUnit: number;
    allocatedSize: number;
    dataSize: number;
    initializedSize: number;
    runlist: Buffer;
  };
}

/** An MFT record's header fields and its attributes, fixups applied. */
export interface MftRecord {
  number: number;
  /** Bumped each time the record is reused: folder entries carry it to detect stale ones. */
  sequence: number;
  inUse: boolean;
  isDirectory: boolean;
  /** 0 for a base record; else the number of the base record this one extends. */
  baseRecord: number;
  baseSequence: number;
  attributes: Attribute[];
}

/**
 * Any MFT record (base or extension, in use or not): fixups applied, header sizes checked,
 * cut into its attributes. `record` is modified in place (fixups).
 */
export function parseRecord(record: Buffer, number: number): MftRecord {
  const what = `MFT record ${number}`;
  if (record.length < 512) throw new Distrust(`NTFS ${what}: too short`);
  const magic = record.toString('latin1', 0, 4);
  if (magic !== 'FILE') throw new Distrust(`NTFS ${what}: no FILE signature (${magic})`);
  applyFixups(record, what);
  const usaOffset = record.readUInt16LE(4);
  const sequence = record.readUInt16LE(0x10);
  const attrsOffset = record.readUInt16LE(0x14);
  const flags = record.readUInt16LE(0x16);
  const bytesInUse = record.readUInt32LE(0x18);
  const bytesAllocated = record.readUInt32LE(0x1c);
  const base = record.readBigUInt64LE(0x20);
  const header = {
    number,
    sequence,
    inUse: (flags & RECORD_IN_USE) !== 0,
    isDirectory: (flags & RECORD_IS_DIRECTORY) !== 0,
    baseRecord: Number(base & 0xffffffffffffn),
    baseSequence: Number(base >> 48n),
  };
  if (!header.inUse) return { ...header, attributes: [] };
  if (
    bytesAllocated !== record.length ||
    bytesInUse > bytesAllocated ||
    attrsOffset % 8 !== 0 ||
    attrsOffset < usaOffset ||
    attrsOffset + 8 > bytesInUse
  ) {
    throw new Distrust(`NTFS ${what}: header sizes do not fit`);
  }
  // NTFS 3.1 headers (update sequence at 0x30) say which record they are.
  if (usaOffset >= 0x30 && record.readUInt32LE(0x2c) !== number) {
    throw new Distrust(`NTFS ${what} says it is record ${record.readUInt32LE(0x2c)}`);
  }
  const attributes: Attribute[] = [];
  for (let at = attrsOffset; ;) {
    if (at + 4 > bytesInUse) throw new Distrust(`NTFS ${what}: attributes run off the record`);
    const type = record.readUInt32LE(at);
    if (type === ATTR_END) break;
    if (at + 16 > bytesInUse) throw new Distrust(`NTFS ${what}: attributes run off the record`);
    const length = record.readUInt32LE(at + 4);
    if (length < 24 || length % 8 !== 0 || at + length > bytesInUse) {
      throw new Distrust(`NTFS ${what}: attribute 0x${type.toString(16)} has a bad length`);
    }
    attributes.push(parseAttribute(record.subarray(at, at + length), what));
    at += length;
  }
  return { ...header, attributes };
}

/**
 * An MFT record, fixups applied, checked to be an in-use base record (number `number`) and
 * cut into its attributes.
 */
export function parseMftRecord(record: Buffer, number: number): Attribute[] {
  const parsed = parseRecord(record, number);
  if (!parsed.inUse) throw new Distrust(`NTFS MFT record ${number} is not in use`);
  if (parsed.baseRecord !== 0 || parsed.baseSequence !== 0) {
    throw new Distrust(`NTFS MFT record ${number} is an extension record`);
  }
  return parsed.attributes;
}

function parseAttribute(a: Buffer, what: string): Attribute {
  const type = a.readUInt32LE(0);
  const bad = () => new Distrust(`NTFS ${what}: attribute 0x${type.toString(16)} does not fit`);
  const nameLength = a[9]!;
  const nameOffset = a.readUInt16LE(0x0a);
  if (nameLength > 0 && nameOffset + nameLength * 2 > a.length) throw bad();
  const base = {
    type,
    nameLength,
    name: a.toString('utf16le', nameOffset, nameOffset + nameLength * 2),
    flags: a.readUInt16LE(0x0c),
    id: a.readUInt16LE(0x0e),
  };
  if (a[8] === 0) {
    const valueLength = a.readUInt32LE(0x10);
    const valueOffset = a.readUInt16LE(0x14);
    if (valueOffset + valueLength > a.length) throw bad();
    return { ...base, value: a.subarray(valueOffset, valueOffset + valueLength) };
  }
  if (a.length < 0x40) throw bad();
  const runsOffset = a.readUInt16LE(0x20);
  if (runsOffset < 0x40 || runsOffset >= a.length) throw bad();
  const int64 = (at: number) => {
    const v = a.readBigInt64LE(at);
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad();
    return Number(v);
  };
  return {
    ...base,
    nonResident: {
      lowestVcn: int64(0x10),
      // An empty stream has highest VCN -1.
      highestVcn: a.readBigInt64LE(0x18) === -1n ? -1 : int64(0x18),
      compressionUnit: a.readUInt16LE(0x22),
      allocatedSize: int64(0x28),
      dataSize: int64(0x30),
      initializedSize: int64(0x38),
      runlist: a.subarray(runsOffset),
    },
  };
}

/** The unnamed attribute of `type`; Distrust when there is none or more than one. */
export function unnamed(attributes: Attribute[], type: number, what: string): Attribute {
  const found = attributes.filter((a) => a.type === type && a.nameLength === 0);
  if (found.length !== 1) {
    throw new Distrust(`NTFS ${what}: ${found.length} unnamed attributes 0x${type.toString(16)}`);
  }
  return found[0]!;
}
