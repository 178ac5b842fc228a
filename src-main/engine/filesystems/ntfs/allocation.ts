// NTFS: a cluster is in use when its bit in $Bitmap (MFT record 6) is set. The MFT itself is
// found through the $DATA runs of its own record 0, so a fragmented MFT is followed. Always
// kept whatever the bitmap says: the boot area ($Boot), the backup boot sector (the
// partition's last sector, NT 3.51 put it in the middle) and everything past the last
// whole cluster. A volume marked dirty, or whose journal was not closed cleanly (Windows
// still mounted, hibernated, fast startup), is read whole: its bitmap may be stale.

import type { ByteRange } from '../../../../src-shared/manifest.js';
import { normalize, subtract } from '../../ranges.js';
import { Distrust, type ReadAt } from '../../read-at.js';
import { bitRuns, type FilesystemReader } from '../allocation.js';
import { checkLogFileClean } from './logfile.js';
import {
  ATTR_ATTRIBUTE_LIST,
  ATTR_DATA,
  ATTR_VOLUME_INFORMATION,
  ATTR_VOLUME_NAME,
  parseMftRecord,
  unnamed,
  type Attribute,
} from './records.js';
import { decodeRuns, readStream, type Run } from './runlist.js';

const MFT = 0;
const LOGFILE = 2;
const VOLUME = 3;
const BITMAP = 6;
/** $Boot's fixed size. */
const BOOT_BYTES = 8192;
const MAX_BITMAP_BYTES = 512 * 2 ** 20;
const VOLUME_IS_DIRTY = 0x0001;
const VOLUME_CHKDSK_UNDERWAY = 0x4000;
/** Compressed (any compression method), encrypted or sparse. */
const ATTR_NOT_PLAIN = 0x00ff | 0x4000 | 0x8000;

export interface NtfsGeometry {
  bytesPerSector: number;
  clusterSize: number;
  totalSectors: number;
  clusters: number;
  mftLcn: number;
  recordSize: number;
  serial: string;
}

/** The boot sector's geometry, checked against itself and the partition's `size`. */
export function ntfsGeometry(boot: Buffer, size: number): NtfsGeometry {
  const bad = (why: string) => new Distrust(`NTFS boot sector: ${why}`);
  if (boot.readUInt16LE(510) !== 0xaa55) throw bad('no 0xAA55 signature');
  const bytesPerSector = boot.readUInt16LE(0x0b);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) throw bad('bytes per sector');
  // 1..128 sectors, or above 128 the negative exponent: 2^(256 - value) sectors.
  const spcValue = boot[0x0d]!;
  const sectorsPerCluster = spcValue <= 128 ? spcValue : 2 ** (256 - spcValue);
  if (sectorsPerCluster === 0 || (sectorsPerCluster & (sectorsPerCluster - 1)) !== 0) {
    throw bad('sectors per cluster');
  }
  const clusterSize = bytesPerSector * sectorsPerCluster;
  if (clusterSize > 2 * 2 ** 20) throw bad('clusters larger than 2 MiB');
  // Fields FAT uses and NTFS must leave zero.
  const mustBeZero = [
    boot.readUInt16LE(0x0e), // reserved sectors
    boot[0x10]!, // FATs
    boot.readUInt16LE(0x11), // root entries
    boot.readUInt16LE(0x13), // sectors (16 bit)
    boot.readUInt16LE(0x16), // sectors per FAT
    boot.readUInt32LE(0x20), // sectors (32 bit)
  ];
  if (mustBeZero.some((v) => v !== 0)) throw bad('FAT fields are not zero');
  const u64 = (at: number, what: string) => {
    const v = boot.readBigUInt64LE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(what);
    return Number(v);
  };
  const totalSectors = u64(0x28, 'total sectors');
  if (totalSectors === 0) throw bad('zero sectors');
  if (totalSectors * bytesPerSector > size) throw bad('NTFS larger than its partition');
  const clusters = Math.floor((totalSectors * bytesPerSector) / clusterSize);
  const mftLcn = u64(0x30, 'MFT cluster');
  const mirrorLcn = u64(0x38, 'MFT mirror cluster');
  if (mftLcn === 0 || mftLcn >= clusters || mirrorLcn >= clusters) throw bad('MFT outside');
  // Positive: clusters per record; negative: 2^-value bytes.
  const perRecord = boot.readInt8(0x40);
  const recordSize = perRecord > 0 ? perRecord * clusterSize : 2 ** -perRecord;
  if (recordSize < 512 || recordSize > 65536 || (recordSize & (recordSize - 1)) !== 0) {
    throw bad('MFT record size');
  }
  const serial = boot.readBigUInt64LE(0x48).toString(16).toUpperCase().padStart(16, '0');
  return {
    bytesPerSector,
    clusterSize,
    totalSectors,
    clusters,
    mftLcn,
    recordSize,
    serial,
  };
}

/** A non-resident stream's runs, checked to cover it whole without holes. */
function plainRuns(attr: Attribute, g: NtfsGeometry, what: string): Run[] {
  const nr = attr.nonResident;
  if (!nr) throw new Distrust(`NTFS ${what}: resident`);
  if (attr.flags & ATTR_NOT_PLAIN) throw new Distrust(`NTFS ${what}: compressed/sparse`);
  const vcns = nr.highestVcn + 1;
  if (
    nr.lowestVcn !== 0 ||
    nr.allocatedSize !== vcns * g.clusterSize ||
    nr.dataSize > nr.allocatedSize ||
    nr.initializedSize !== nr.dataSize
  ) {
    throw new Distrust(`NTFS ${what}: sizes do not add up`);
  }
  const runs = decodeRuns(nr.runlist, 0, g.clusters, what);
  const mapped = runs.reduce((n, r) => n + r.length, 0);
  if (mapped !== vcns || runs.some((r) => r.lcn === null)) {
    throw new Distrust(`NTFS ${what}: runs do not cover it`);
  }
  return runs;
}

export const ntfsReader: FilesystemReader = {
  name: 'ntfs',
  async read(read: ReadAt, size: number) {
    if (size < BOOT_BYTES) return null;
    const boot = await read(0, 512);
    if (boot.toString('latin1', 3, 11) !== 'NTFS    ') return null;
    const g = ntfsGeometry(boot, size);

    // $MFT's own record, then its $DATA runs to find every other record. With an
    // attribute list the runs here cover only the first extent, which holds records 0-15.
    const mftRecord = parseMftRecord(
      Buffer.from(await read(g.mftLcn * g.clusterSize, g.recordSize)),
      MFT,
    );
    const mftData = unnamed(mftRecord, ATTR_DATA, '$MFT').nonResident;
    if (!mftData || mftData.lowestVcn !== 0) throw new Distrust('NTFS $MFT $DATA is odd');
    const mftRuns = decodeRuns(mftData.runlist, 0, g.clusters, '$MFT');
    if (mftRuns[0]?.lcn !== g.mftLcn) {
      throw new Distrust('NTFS $MFT does not start where the boot sector says');
    }
    const record = async (n: number) =>
      parseMftRecord(
        await readStream(read, mftRuns, g.clusterSize, n * g.recordSize, g.recordSize, '$MFT'),
        n,
      );

    const volume = await record(VOLUME);
    const info = unnamed(volume, ATTR_VOLUME_INFORMATION, '$Volume').value;
    if (!info || info.length < 12) throw new Distrust('NTFS $Volume information is missing');
    const volumeFlags = info.readUInt16LE(10);
    if (volumeFlags & (VOLUME_IS_DIRTY | VOLUME_CHKDSK_UNDERWAY)) {
      throw new Distrust('NTFS volume is marked dirty (needs chkdsk)');
    }
    const name = volume.find((a) => a.type === ATTR_VOLUME_NAME)?.value;
    const label = name ? name.toString('utf16le') : '';

    const logFile = await record(LOGFILE);
    const logData = unnamed(logFile, ATTR_DATA, '$LogFile');
    const logRuns = plainRuns(logData, g, '$LogFile');
    await checkLogFileClean(
      (offset, length) => readStream(read, logRuns, g.clusterSize, offset, length, '$LogFile'),
      logData.nonResident!.dataSize,
    );

    const bitmapFile = await record(BITMAP);
    if (bitmapFile.some((a) => a.type === ATTR_ATTRIBUTE_LIST)) {
      throw new Distrust('NTFS $Bitmap has an attribute list');
    }
    const bitmapData = unnamed(bitmapFile, ATTR_DATA, '$Bitmap');
    const bitmapRuns = plainRuns(bitmapData, g, '$Bitmap');
    const bitmapBytes = Math.ceil(g.clusters / 8);
    if (bitmapData.nonResident!.dataSize < bitmapBytes) {
      throw new Distrust('NTFS $Bitmap is smaller than the volume');
    }
    if (bitmapBytes > MAX_BITMAP_BYTES) throw new Distrust('NTFS $Bitmap too large to read');
    const bitmap = await readStream(read, bitmapRuns, g.clusterSize, 0, bitmapBytes, '$Bitmap');

    const used: ByteRange[] = [[0, BOOT_BYTES]];
    for (const [a, b] of bitRuns(bitmap, g.clusters)) {
      used.push([a * g.clusterSize, b * g.clusterSize]);
    }
    // The bitmap marks the clusters of the metadata read here ($MFT's first extent, $LogFile,
    // $Bitmap): if it does not, it is not the bitmap chkdsk would trust, and a backup that
    // believed it would leave the MFT out (found by fuzzing: one changed bitmap byte did).
    const metadata = [...mftRuns, ...logRuns, ...bitmapRuns].flatMap((r): ByteRange[] =>
      r.lcn === null ? [] : [[r.lcn * g.clusterSize, (r.lcn + r.length) * g.clusterSize]],
    );
    if (subtract(normalize(metadata), normalize(used)).length > 0) {
      throw new Distrust('NTFS $Bitmap does not mark the volume metadata');
    }
    // Past the last whole cluster: the rest of the volume and the backup boot sector.
    used.push([g.clusters * g.clusterSize, size]);
    used.push([size - g.bytesPerSector, size]);
    const middle = Math.floor(size / g.bytesPerSector / 2) * g.bytesPerSector;
    used.push([middle, middle + g.bytesPerSector]);
    return {
      filesystem: 'ntfs',
      ...(label ? { label } : {}),
      uuid: g.serial,
      used: normalize(used),
    };
  },
};
