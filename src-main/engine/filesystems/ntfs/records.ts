// NTFS's on-disk building blocks, as pure functions over bytes: multi-sector records with their
// update sequence fixups (MFT records, $LogFile restart pages), the attributes of an MFT
// record, and the data runs (runlists) that map a non-resident attribute onto clusters.
// Anything that does not add up throws Distrust: the reader then reads the partition whole.

import { Distrust, type ReadAt } from '../../read-at.js';

/** The update sequence protects every 512-byte block, whatever the sector size. */
const FIXUP_STRIDE = 512;

export const ATTR_ATTRIBUTE_LIST = 0x20;
export const ATTR_VOLUME_NAME = 0x60;
export const ATTR_VOLUME_INFORMATION = 0x70;
export const ATTR_DATA = 0x80;
const ATTR_END = 0xffffffff;

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
  flags: number;
  /** Resident: the value. */
  value?: Buffer;
  /** Non-resident: sizes, VCN span and the runlist bytes. */
  nonResident?: {
    lowestVcn: number;
    highestVcn: number;
    allocatedSize: number;
    dataSize: number;
    initializedSize: number;
    runlist: Buffer;
  };
}

/**
 * An MFT record, fixups applied, checked to be an in-use base record (number `number`) and
 * cut into its attributes.
 */
export function parseMftRecord(record: Buffer, number: number): Attribute[] {
  const what = `MFT record ${number}`;
  const magic = record.toString('latin1', 0, 4);
  if (magic !== 'FILE') throw new Distrust(`NTFS ${what}: no FILE signature (${magic})`);
  applyFixups(record, what);
  const usaOffset = record.readUInt16LE(4);
  const attrsOffset = record.readUInt16LE(0x14);
  const flags = record.readUInt16LE(0x16);
  const bytesInUse = record.readUInt32LE(0x18);
  const bytesAllocated = record.readUInt32LE(0x1c);
  const baseRecord = record.readBigUInt64LE(0x20);
  if (!(flags & 1)) throw new Distrust(`NTFS ${what} is not in use`);
  if (baseRecord !== 0n) throw new Distrust(`NTFS ${what} is an extension record`);
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
  return attributes;
}

function parseAttribute(a: Buffer, what: string): Attribute {
  const type = a.readUInt32LE(0);
  const base = { type, nameLength: a[9]!, flags: a.readUInt16LE(0x0c) };
  const bad = () => new Distrust(`NTFS ${what}: attribute 0x${type.toString(16)} does not fit`);
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

export interface Run {
  vcn: number;
  /** null: a sparse run (no clusters behind it). */
  lcn: number | null;
  length: number;
}

/**
 * Decodes a runlist ("mapping pairs"): per run a header byte (low nibble: bytes of the
 * length, high nibble: bytes of the signed LCN delta, 0 for a sparse run), then the two
 * little-endian numbers. Every run must lie inside the volume's `clusters`.
 */
export function decodeRuns(bytes: Buffer, firstVcn: number, clusters: number, what: string): Run[] {
  const bad = (why: string) => new Distrust(`NTFS ${what}: runlist ${why}`);
  const runs: Run[] = [];
  let vcn = firstVcn;
  let lcn = 0;
  for (let at = 0; ;) {
    if (at >= bytes.length) throw bad('has no end');
    const header = bytes[at]!;
    if (header === 0) break;
    const lengthBytes = header & 0x0f;
    const deltaBytes = header >> 4;
    if (lengthBytes === 0 || lengthBytes > 8 || deltaBytes > 8) throw bad('has a bad header');
    if (at + 1 + lengthBytes + deltaBytes > bytes.length) throw bad('runs off its attribute');
    const length = signedLE(bytes, at + 1, lengthBytes);
    if (length <= 0) throw bad('has an empty or negative run');
    let runLcn: number | null = null;
    if (deltaBytes > 0) {
      lcn += signedLE(bytes, at + 1 + lengthBytes, deltaBytes);
      if (lcn < 0 || lcn + length > clusters) throw bad('points outside the volume');
      runLcn = lcn;
    }
    runs.push({ vcn, lcn: runLcn, length });
    vcn += length;
    if (!Number.isSafeInteger(vcn)) throw bad('is too long');
    at += 1 + lengthBytes + deltaBytes;
  }
  return runs;
}

function signedLE(bytes: Buffer, at: number, n: number): number {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
  if (bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Distrust('NTFS runlist number out of range');
  }
  return Number(v);
}

/**
 * Reads `length` bytes at `offset` of a non-resident stream through its runs. A byte in a
 * sparse run or outside the runs is not on the disk: Distrust (none of the streams this
 * reader needs may have holes). Always returns a copy (fixups are applied in place).
 */
export async function readStream(
  read: ReadAt,
  runs: Run[],
  clusterSize: number,
  offset: number,
  length: number,
  what: string,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let pos = offset; pos < offset + length;) {
    const vcn = Math.floor(pos / clusterSize);
    const run = runs.find((r) => r.vcn <= vcn && vcn < r.vcn + r.length);
    if (!run || run.lcn === null) {
      throw new Distrust(`NTFS ${what}: byte ${pos} is not mapped to clusters`);
    }
    const n = Math.min(offset + length, (run.vcn + run.length) * clusterSize) - pos;
    parts.push(await read(run.lcn * clusterSize + pos - run.vcn * clusterSize, n));
    pos += n;
  }
  return Buffer.concat(parts, length);
}
