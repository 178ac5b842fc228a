// The GUID partition table: protective MBR, primary header at LBA 1, entries, and the backup
// header at the disk's last sector. Header and entries are checked by their CRC32s.

import { crc32 } from 'node:zlib';
import { Distrust, type ReadAt } from '../read-at.js';
import { checkApart, type FoundPartition } from './found-partition.js';

const SIGNATURE = 'EFI PART';
const MAX_ENTRIES = 4096;

export interface Gpt {
  id: string;
  firstUsableLba: number;
  lastUsableLba: number;
  /** Where the entries and headers are: the backup copy sits at the end of the disk. */
  primaryEntriesLba: number;
  backupLba: number;
  entryBytes: number;
  partitions: FoundPartition[];
}

/** Mixed-endian GUID text, as gdisk and lsblk print it. */
export function guidText(bytes: Buffer): string {
  const h = bytes.toString('hex');
  const swap = (s: string) => s.match(/../g)!.reverse().join('');
  return [
    swap(h.slice(0, 8)),
    swap(h.slice(8, 12)),
    swap(h.slice(12, 16)),
    h.slice(16, 20),
    h.slice(20),
  ]
    .join('-')
    .toUpperCase();
}

export async function readGpt(
  read: ReadAt,
  sectorSize: number,
  diskSize: number,
): Promise<Gpt | null> {
  const header = await read(sectorSize, sectorSize);
  if (header.toString('latin1', 0, 8) !== SIGNATURE) return null;
  const headerSize = header.readUInt32LE(12);
  if (headerSize < 92 || headerSize > sectorSize) throw new Distrust('GPT header size');
  const copy = Buffer.from(header.subarray(0, headerSize));
  const crc = copy.readUInt32LE(16);
  copy.writeUInt32LE(0, 16);
  if (crc32(copy) !== crc) throw new Distrust('the GPT header checksum does not match');
  const sectors = Math.floor(diskSize / sectorSize);
  const lba = (at: number) => Number(header.readBigUInt64LE(at));
  const backupLba = lba(32);
  const firstUsableLba = lba(40);
  const lastUsableLba = lba(48);
  const entriesLba = lba(72);
  const count = header.readUInt32LE(80);
  const entryBytes = header.readUInt32LE(84);
  if (count > MAX_ENTRIES || entryBytes < 128 || entryBytes > 1024 || entryBytes % 8 !== 0) {
    throw new Distrust('GPT entry count or size');
  }
  if (backupLba >= sectors || lastUsableLba >= sectors || firstUsableLba > lastUsableLba) {
    throw new Distrust('the GPT describes a larger disk');
  }
  const table = await read(entriesLba * sectorSize, count * entryBytes);
  if (crc32(table) !== header.readUInt32LE(88)) {
    throw new Distrust('the GPT entries checksum does not match');
  }
  const partitions: FoundPartition[] = [];
  for (let i = 0; i < count; i++) {
    const entry = table.subarray(i * entryBytes, (i + 1) * entryBytes);
    if (entry.subarray(0, 16).every((b) => b === 0)) continue;
    const first = Number(entry.readBigUInt64LE(32));
    const last = Number(entry.readBigUInt64LE(40));
    if (first < firstUsableLba || last > lastUsableLba || last < first) {
      throw new Distrust(`GPT partition ${i + 1} lies outside the usable area`);
    }
    const name = entry.toString('utf16le', 56, 128).replace(/\0.*$/s, '');
    partitions.push({
      index: i + 1,
      start: first * sectorSize,
      size: (last - first + 1) * sectorSize,
      type: guidText(entry.subarray(0, 16)),
      uuid: guidText(entry.subarray(16, 32)),
      ...(name ? { name } : {}),
    });
  }
  const entrySectors = Math.ceil((count * entryBytes) / sectorSize);
  checkApart(partitions, [
    [0, 2 * sectorSize], // the protective MBR and this header
    [entriesLba * sectorSize, (entriesLba + entrySectors) * sectorSize],
    [backupLba * sectorSize, (backupLba + 1) * sectorSize],
  ]);
  return {
    id: guidText(header.subarray(56, 72)),
    firstUsableLba,
    lastUsableLba,
    primaryEntriesLba: entriesLba,
    backupLba,
    entryBytes,
    partitions,
  };
}
