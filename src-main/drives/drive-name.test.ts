// Drive names over records as drivelist 12 gives them on Linux (lsblk: label, vendor and
// model joined into `description`), the first two read on this machine.

import { describe, expect, it } from 'vitest';
import { targetCautions } from '../../src-shared/target-rules.js';
import { listedDriveFacts } from './classify-drives.js';
import { driveName } from './drive-name.js';
import { driveFromRecord } from './list-drives.js';

const record = (over: Record<string, unknown>) =>
  ({
    enumerator: 'lsblk:json',
    busType: 'UNKNOWN',
    busVersion: null,
    device: '/dev/sdb',
    devicePath: null,
    raw: '/dev/sdb',
    description: '',
    error: null,
    size: null,
    blockSize: 512,
    logicalBlockSize: 512,
    mountpoints: [],
    isReadOnly: false,
    isSystem: false,
    isVirtual: false,
    isRemovable: false,
    isCard: null,
    isSCSI: null,
    isUSB: null,
    isUAS: null,
    partitionTableType: null,
    ...over,
  }) as Parameters<typeof driveFromRecord>[0];

/** This machine's system disk: a virtio disk whose only "name" is its vendor's PCI id. */
const virtio = record({
  device: '/dev/vda',
  raw: '/dev/vda',
  description: '0x1af4',
  size: 274877906944,
  blockSize: 4096,
  mountpoints: [{ path: '/', label: null }],
  isSystem: true,
});
/** An unconfigured zram device: 0 bytes, and "removable" because drivelist calls every
 *  virtual device so. */
const zram = record({
  device: '/dev/zram0',
  raw: '/dev/zram0',
  description: '',
  size: null,
  blockSize: 4096,
  logicalBlockSize: 4096,
  isVirtual: true,
  isRemovable: true,
});

describe('drive names', () => {
  it('never a vendor id: the size names a disk without words', () => {
    expect(driveName(virtio, 1)).toBe('256 GiB disk');
    expect(driveFromRecord(virtio, 1).description).toBe('256 GiB disk');
  });

  it('the words of label, vendor and model, without ids and bus names', () => {
    expect(driveName({ description: 'ATA Samsung SSD 860 EVO 500GB', size: 5e11 }, 0)).toBe(
      'Samsung SSD 860 EVO 500GB',
    );
    expect(driveName({ description: 'Samsung SSD 970 EVO Plus 1TB', size: 1e12 }, 0)).toBe(
      'Samsung SSD 970 EVO Plus 1TB',
    );
    expect(driveName({ description: 'SanDisk Cruzer Blade (ESD-USB)', size: 16e9 }, 0)).toBe(
      'SanDisk Cruzer Blade (ESD-USB)',
    );
    expect(driveName({ description: 'Generic- SD/MMC', size: 32e9 }, 0)).toBe('SD/MMC');
    expect(driveName({ description: '0x1af4 0x1100', size: 0, isVirtual: true }, 2)).toBe('Disk 3');
  });

  it('a 0-byte virtual device is named, not called removable, and never a target', () => {
    const drive = driveFromRecord(zram, 0);
    expect(drive).toMatchObject({
      path: '/dev/zram0',
      description: 'Disk 1',
      size: 0,
      removable: false,
      virtual: true,
    });
    expect(targetCautions(listedDriveFacts(drive, null))).toEqual([{ kind: 'empty' }]);
  });
});
