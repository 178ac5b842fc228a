// After a GPT disk is restored onto a smaller drive: the backup header and entries move to
// the new last sectors, the last usable LBA follows, and both headers and the protective
// MBR are rewritten with correct checksums (as `sgdisk -e` would).

import { crc32 } from 'node:zlib';
import { Distrust, type ReadAt } from '../read-at.js';

export type WriteAt = (bytes: Buffer, position: number) => Promise<void>;

export async function moveGptBackup(
  read: ReadAt,
  write: WriteAt,
  diskSize: number,
  sectorSize: number,
): Promise<void> {
  const primary = Buffer.from(await read(sectorSize, sectorSize));
  if (primary.toString('latin1', 0, 8) !== 'EFI PART') throw new Distrust('no GPT header');
  const headerSize = primary.readUInt32LE(12);
  const entriesLba = Number(primary.readBigUInt64LE(72));
  const count = primary.readUInt32LE(80);
  const entryBytes = primary.readUInt32LE(84);
  const entries = await read(entriesLba * sectorSize, count * entryBytes);
  const entrySectors = Math.ceil((count * entryBytes) / sectorSize);
  const lastLba = Math.floor(diskSize / sectorSize) - 1;
  const backupEntriesLba = lastLba - entrySectors;
  const lastUsable = backupEntriesLba - 1;
  for (let i = 0; i < count; i++) {
    const last = Number(entries.readBigUInt64LE(i * entryBytes + 40));
    const used = !entries.subarray(i * entryBytes, i * entryBytes + 16).every((b) => b === 0);
    if (used && last > lastUsable) throw new Distrust(`partition ${i + 1} does not fit`);
  }
  const seal = (header: Buffer) => {
    header.writeUInt32LE(0, 16);
    header.writeUInt32LE(crc32(header.subarray(0, headerSize)), 16);
    return header;
  };
  primary.writeBigUInt64LE(BigInt(lastLba), 32);
  primary.writeBigUInt64LE(BigInt(lastUsable), 48);
  const backup = Buffer.from(primary);
  backup.writeBigUInt64LE(BigInt(lastLba), 24);
  backup.writeBigUInt64LE(1n, 32);
  backup.writeBigUInt64LE(BigInt(backupEntriesLba), 72);
  await write(seal(primary), sectorSize);
  await write(Buffer.from(entries), backupEntriesLba * sectorSize);
  await write(seal(backup), lastLba * sectorSize);
  // The protective MBR covers the whole disk (or as much as 32 bits can say).
  const mbr = Buffer.from(await read(0, 512));
  if (mbr[446 + 4] === 0xee) {
    mbr.writeUInt32LE(Math.min(lastLba, 0xffffffff), 446 + 12);
    await write(mbr, 0);
  }
}
