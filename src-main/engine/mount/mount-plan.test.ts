import { describe, expect, it } from 'vitest';
import { driverFor, folderName } from './mount-plan.js';

describe('which driver mounts what', () => {
  const here = new Set(['ext4', 'fuseblk', 'ntfs-3g', 'exfat-fuse']);

  it('ext through the kernel without replaying the journal; NTFS and exFAT through FUSE', () => {
    expect(driverFor('ext2', here)).toEqual({
      driver: { kind: 'kernel', type: 'ext4', options: 'ro,noload' },
    });
    expect(driverFor('ntfs', here)).toEqual({
      driver: { kind: 'fuse', type: 'ntfs-3g', options: 'ro' },
    });
    expect(driverFor('exfat', here)).toEqual({
      driver: { kind: 'fuse', type: 'exfat-fuse', options: 'ro' },
    });
    expect(driverFor('exfat', new Set(['exfat', 'exfat-fuse']))).toEqual({
      driver: { kind: 'kernel', type: 'exfat', options: 'ro' },
    });
  });

  it('says why a partition is not mounted', () => {
    expect(driverFor('fat32', here)).toEqual({
      driver: null,
      reason: 'this system has no FAT driver (the vfat kernel module)',
    });
    expect(driverFor('fat16', new Set(['vfat']))).toMatchObject({ driver: { type: 'vfat' } });
    expect(driverFor('swap', here)).toMatchObject({ driver: null, reason: /swap/ });
    expect(driverFor(null, here)).toMatchObject({ driver: null });
    expect(driverFor('ntfs', new Set())).toMatchObject({ driver: null, reason: /ntfs-3g/ });
  });

  it('names folders by number and label, never with a slash or a leading dot', () => {
    expect(folderName(2, 'home', 'ext4')).toBe('2-home');
    expect(folderName(1, null, 'vfat')).toBe('1-vfat');
    expect(folderName(3, '../etc', 'ext4')).toBe('3-_etc');
    expect(folderName(4, null, null)).toBe('4-partition');
    expect(folderName(5, '...', null)).toBe('5');
  });
});
