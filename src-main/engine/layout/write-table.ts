// The source's partition table, rewritten for the target's layout: the same table (boot code,
// types, names, flags, identifiers) with each partition's start and end carried through the
// layout's one shift, and on GPT both headers made for the target's size (the backup copy at
// its last sectors) with their checksums. On MBR the chain of extended boot records moves with
// the logical partitions. `newIds` gives the disk and every partition new identifiers, so the
// copy and its source can be attached at once without the system taking one for the other.
//
// Reads the source's table (through `read`, at the source's positions) and returns the
// writes to make on the target; writes nothing itself.

import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { LayoutPlan } from '../../../src-shared/protocol/plans.js';
import { Distrust, type ReadAt } from '../read-at.js';
import { readGpt } from '../partition-table/gpt.js';
import { readMbr } from '../partition-table/mbr.js';

export interface TableWrite {
  position: number;
  bytes: Buffer;
}

export interface TableOptions {
  /** Bytes of the target drive. */
  targetSize: number;
  sectorSize: number;
  /** New disk and partition identifiers (default: the source's). */
  newIds?: boolean;
}

/** Where a byte of the source (a partition's start or end) lands on the target. */
export function placer(layout: LayoutPlan): (position: number) => number {
  if (layout.kind === 'keep') return (x) => x;
  const { cut, shift } = layout;
  // A start at the cut belongs to a moved partition; an end at the cut to the grown one:
  // both move by the shift.
  return (x) => (x < cut ? x : x + shift);
}

export async function tableWrites(
  read: ReadAt,
  sourceSize: number,
  layout: LayoutPlan,
  options: TableOptions,
): Promise<TableWrite[]> {
  const { sectorSize } = options;
  if (await readGpt(read, sectorSize, sourceSize)) {
    return gptWrites(read, placer(layout), options);
  }
  if (await readMbr(read, sectorSize, sourceSize)) {
    return mbrWrites(read, placer(layout), options);
  }
  throw new Distrust('the source has no partition table');
}

async function gptWrites(
  read: ReadAt,
  place: (x: number) => number,
  options: TableOptions,
): Promise<TableWrite[]> {
  const { sectorSize, targetSize } = options;
  const primary = Buffer.from(await read(sectorSize, sectorSize));
  const headerSize = primary.readUInt32LE(12);
  const entriesLba = Number(primary.readBigUInt64LE(72));
  const count = primary.readUInt32LE(80);
  const entryBytes = primary.readUInt32LE(84);
  const entries = Buffer.from(await read(entriesLba * sectorSize, count * entryBytes));
  const entrySectors = Math.ceil((count * entryBytes) / sectorSize);
  const lastLba = Math.floor(targetSize / sectorSize) - 1;
  const backupEntriesLba = lastLba - entrySectors;
  const lastUsable = backupEntriesLba - 1;
  const firstUsable = Number(primary.readBigUInt64LE(40));
  if (entriesLba + entrySectors > backupEntriesLba || lastUsable < firstUsable) {
    throw new Distrust('the partition table does not fit the target');
  }
  for (let i = 0; i < count; i++) {
    const entry = entries.subarray(i * entryBytes, (i + 1) * entryBytes);
    if (entry.subarray(0, 16).every((b) => b === 0)) continue;
    const start = Number(entry.readBigUInt64LE(32)) * sectorSize;
    const end = (Number(entry.readBigUInt64LE(40)) + 1) * sectorSize;
    const first = place(start) / sectorSize;
    const last = place(end) / sectorSize - 1;
    if (last > lastUsable) throw new Distrust(`partition ${i + 1} does not fit the target`);
    entry.writeBigUInt64LE(BigInt(first), 32);
    entry.writeBigUInt64LE(BigInt(last), 40);
    if (options.newIds) newGuid().copy(entry, 16);
  }
  if (options.newIds) newGuid().copy(primary, 56);
  primary.writeUInt32LE(crc32(entries), 88);
  primary.writeBigUInt64LE(1n, 24);
  primary.writeBigUInt64LE(BigInt(lastLba), 32);
  primary.writeBigUInt64LE(BigInt(lastUsable), 48);
  const backup = Buffer.from(primary);
  backup.writeBigUInt64LE(BigInt(lastLba), 24);
  backup.writeBigUInt64LE(1n, 32);
  backup.writeBigUInt64LE(BigInt(backupEntriesLba), 72);
  const seal = (header: Buffer) => {
    header.writeUInt32LE(0, 16);
    header.writeUInt32LE(crc32(header.subarray(0, headerSize)), 16);
    return header;
  };
  const writes: TableWrite[] = [];
  // The protective MBR covers the whole drive (or as much as 32 bits can say).
  const mbr = Buffer.from(await read(0, 512));
  if (mbr[446 + 4] === 0xee) {
    mbr.writeUInt32LE(Math.min(lastLba, 0xffffffff), 446 + 12);
    writes.push({ position: 0, bytes: mbr });
  }
  writes.push(
    { position: sectorSize, bytes: seal(primary) },
    { position: entriesLba * sectorSize, bytes: entries },
    { position: backupEntriesLba * sectorSize, bytes: Buffer.from(entries) },
    { position: lastLba * sectorSize, bytes: seal(backup) },
  );
  return writes;
}

/** A random (version 4) GUID as GPT stores it: the first three fields little-endian. */
function newGuid(): Buffer {
  const guid = randomBytes(16);
  guid[7] = (guid[7]! & 0x0f) | 0x40;
  guid[8] = (guid[8]! & 0x3f) | 0x80;
  return guid;
}

const EXTENDED = new Set([0x05, 0x0f, 0x85]);
/** A chain longer than this is a loop or garbage (as the reader says). */
const MAX_LOGICAL = 128;

async function mbrWrites(
  read: ReadAt,
  place: (x: number) => number,
  options: TableOptions,
): Promise<TableWrite[]> {
  const { sectorSize, targetSize } = options;
  const lastSector = Math.min(Math.floor(targetSize / sectorSize), 2 ** 32) - 1;
  const sector0 = Buffer.from(await read(0, 512));
  const writes: TableWrite[] = [{ position: 0, bytes: sector0 }];
  /** Rewrites the entry at `at` of `sector` to span the placed [start, end) (bytes) of the
   *  source, counting from `base` (bytes, on the target). */
  const setEntry = (sector: Buffer, at: number, start: number, end: number, base: number) => {
    const first = place(start);
    const last = place(end);
    if (last / sectorSize - 1 > lastSector)
      throw new Distrust('a partition does not fit the target');
    sector.writeUInt32LE((first - base) / sectorSize, at + 8);
    sector.writeUInt32LE((last - first) / sectorSize, at + 12);
    chs(first / sectorSize).copy(sector, at + 1);
    chs(last / sectorSize - 1).copy(sector, at + 5);
  };
  for (let i = 0; i < 4; i++) {
    const at = 446 + i * 16;
    const type = sector0[at + 4]!;
    const firstLba = sector0.readUInt32LE(at + 8);
    const sectors = sector0.readUInt32LE(at + 12);
    if (type === 0 || sectors === 0) continue;
    const start = firstLba * sectorSize;
    setEntry(sector0, at, start, start + sectors * sectorSize, 0);
    if (EXTENDED.has(type))
      writes.push(...(await ebrWrites(read, place, start, options, setEntry)));
  }
  if (options.newIds) randomBytes(4).copy(sector0, 440);
  return writes;
}

async function ebrWrites(
  read: ReadAt,
  place: (x: number) => number,
  extended: number,
  options: TableOptions,
  setEntry: (sector: Buffer, at: number, start: number, end: number, base: number) => void,
): Promise<TableWrite[]> {
  const { sectorSize } = options;
  const writes: TableWrite[] = [];
  let ebr = extended;
  for (let n = 0; n < MAX_LOGICAL; n++) {
    const sector = Buffer.from(await read(ebr, 512));
    const dataFirst = sector.readUInt32LE(446 + 8);
    const dataSectors = sector.readUInt32LE(446 + 12);
    const nextType = sector[462 + 4]!;
    const nextFirst = sector.readUInt32LE(462 + 8);
    const nextSectors = sector.readUInt32LE(462 + 12);
    if (sector[446 + 4] !== 0 && dataSectors > 0) {
      // The logical partition, counted from its own EBR.
      const start = ebr + dataFirst * sectorSize;
      setEntry(sector, 446, start, start + dataSectors * sectorSize, place(ebr));
    }
    const hasNext = nextType !== 0 && nextSectors > 0;
    const next = extended + nextFirst * sectorSize;
    // The link to the next EBR, counted from the extended partition's start.
    if (hasNext) setEntry(sector, 462, next, next + nextSectors * sectorSize, place(extended));
    writes.push({ position: place(ebr), bytes: sector });
    if (!hasNext) return writes;
    ebr = next;
  }
  throw new Distrust('the chain of logical partitions does not end');
}

/** Cylinder-head-sector address of `lba` in the usual 255-head, 63-sector geometry. */
function chs(lba: number): Buffer {
  const perCylinder = 255 * 63;
  const cylinder = Math.floor(lba / perCylinder);
  if (cylinder > 1023) return Buffer.from([0xfe, 0xff, 0xff]);
  const head = Math.floor((lba % perCylinder) / 63);
  const sector = (lba % 63) + 1;
  return Buffer.from([head, sector | ((cylinder >> 2) & 0xc0), cylinder & 0xff]);
}
