// What GPT fuzzers need to know of the table (see fuzz.ts): where its numbers are, and how to
// make its two CRC32s right again after a mutation.

import { crc32 } from 'node:zlib';
import type { Field, FuzzDevice, Mutation } from './fuzz.js';

const MIB = 2 ** 20;

const HEADER_FIELDS: Array<[number, Field['width']]> = [
  [12, 4], // header size
  [24, 8], // this header's LBA
  [32, 8], // backup header's LBA
  [40, 8], // first usable LBA
  [48, 8], // last usable LBA
  [72, 8], // entries' LBA
  [80, 4], // entry count
  [84, 4], // entry size
];
const ENTRY_FIELDS: Array<[number, Field['width']]> = [
  [0, 8], // type GUID (first half: zero means unused)
  [32, 8], // first LBA
  [40, 8], // last LBA
];

/** Header and entry fields of an intact seed with sectors of `sectorSize` bytes. */
export function gptFields(seed: Buffer, sectorSize: number): Field[] {
  const header = sectorSize;
  const entries = Number(seed.readBigUInt64LE(header + 72)) * sectorSize;
  const entryBytes = seed.readUInt32LE(header + 84);
  const fields: Field[] = HEADER_FIELDS.map(([at, width]) => ({ at: header + at, width }));
  for (let i = 0; i < 5; i++) {
    for (const [at, width] of ENTRY_FIELDS)
      fields.push({ at: entries + i * entryBytes + at, width });
  }
  return fields;
}

/** The writes that make the mutated header's CRC32s right again (entries, then header). */
export function sealGpt(sectorSize: number) {
  return (device: FuzzDevice): Mutation[] => {
    const header = device.bytes(sectorSize, sectorSize);
    const headerSize = header.readUInt32LE(12);
    if (headerSize < 92 || headerSize > sectorSize) return [];
    const entriesAt = Number(header.readBigUInt64LE(72)) * sectorSize;
    const tableBytes = header.readUInt32LE(80) * header.readUInt32LE(84);
    if (tableBytes <= MIB && entriesAt + tableBytes <= device.size) {
      header.writeUInt32LE(crc32(device.bytes(entriesAt, tableBytes)), 88);
    }
    header.writeUInt32LE(0, 16);
    header.writeUInt32LE(crc32(header.subarray(0, headerSize)), 16);
    return [{ op: 'write', at: sectorSize, hex: header.subarray(0, headerSize).toString('hex') }];
  };
}
