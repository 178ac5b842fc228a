// After a GPT disk is restored onto a smaller drive: the backup header and entries move to
// the new last sectors, the last usable LBA follows, and both headers and the protective
// MBR are rewritten with correct checksums (as `sgdisk -e` would).

import { crc32 } from 'node:zlib';
import { Distrust, type ReadAt } from '../read-at.js';
import { readGpt } from './gpt.js';

export type WriteAt = (bytes: Buffer, position: number) => Promise<void>;

export async function moveGptBackup(
  read: ReadAt,
  write: WriteAt,
  diskSize: number,
  sectorSize: number,
): Promise<void> {
  const inDisk: ReadAt = async (position, length) => {
    if (position < 0 || length < 0 || position + length > diskSize) {
      throw new Distrust('the GPT points past the end of the drive');
    }
    return read(position, length);
  };
  const primary = Buffer.from(await inDisk(sectorSize, sectorSize));
  if (primary.toString('latin1', 0, 8) !== 'EFI PART') throw new Distrust('no GPT header');
  // The table must be one readGpt trusts (checksums, counts, sizes, partitions inside the
  // usable area and apart) on the drive it was made for, which ends at its backup header.
  // Unchecked, a header size of 0 or an entry count of 2^32 was taken as it was, and the
  // writes below were computed from it (found by fuzzing).
  const oldSize = (Number(primary.readBigUInt64LE(32)) + 1) * sectorSize;
  const gpt = await readGpt(inDisk, sectorSize, oldSize);
  if (!gpt) throw new Distrust('no GPT header');
  const headerSize = primary.readUInt32LE(12);
  const entriesLba = gpt.primaryEntriesLba;
  const count = primary.readUInt32LE(80);
  const entryBytes = gpt.entryBytes;
  const entries = await inDisk(entriesLba * sectorSize, count * entryBytes);
  const entrySectors = Math.ceil((count * entryBytes) / sectorSize);
  const lastLba = Math.floor(diskSize / sectorSize) - 1;
  const backupEntriesLba = lastLba - entrySectors;
  const lastUsable = backupEntriesLba - 1;
  if (entriesLba + entrySectors > backupEntriesLba || lastUsable < gpt.firstUsableLba) {
    throw new Distrust('the GPT does not fit the drive');
  }
  for (const p of gpt.partitions) {
    if (p.start + p.size > (lastUsable + 1) * sectorSize) {
      throw new Distrust(`partition ${p.index} does not fit`);
    }
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
