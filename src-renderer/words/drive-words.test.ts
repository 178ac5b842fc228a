import { describe, expect, it } from 'vitest';
import { defaultFileName } from '../backup/backup-draft.js';
import { jobTitle, nameOf } from './drive-words.js';

const drives = [
  { path: '/dev/sdb', description: 'SanDisk Cruzer Blade (ESD-USB)' },
  { path: '/dev/loop2', description: 'Loop device (/srv/vm/target.bin)' },
];

describe('what a drive is called', () => {
  it('titles say the drive’s name, not its /dev path', () => {
    expect(jobTitle('backup', '/dev/sdb', drives)).toBe('Back up SanDisk Cruzer Blade (ESD-USB)');
    expect(jobTitle('restore', '/dev/loop2', drives)).toBe(
      'Restore onto Loop device (/srv/vm/target.bin)',
    );
    // A file, or a drive the list does not show: its path.
    expect(jobTitle('backup', '/srv/disk.img', drives)).toBe('Back up /srv/disk.img');
    expect(nameOf('/dev/sdz', drives)).toBe('/dev/sdz');
  });

  it('default file names say the drive’s name', () => {
    const day = new Date(2026, 10, 22, 10, 30); // local time, as the names are
    expect(defaultFileName('/dev/sdb', 'zstd', day, [], nameOf('/dev/sdb', drives))).toBe(
      'SanDisk-Cruzer-Blade-2026-11-22-1030.img.zst',
    );
    expect(defaultFileName('/dev/loop2', 'zstd', day, [], nameOf('/dev/loop2', drives))).toBe(
      'Loop-device-2026-11-22-1030.img.zst',
    );
    expect(defaultFileName('/dev/vda', 'xz', day, [], '256 GiB disk')).toBe(
      '256-GiB-disk-2026-11-22-1030.img.xz',
    );
    expect(defaultFileName('/dev/mmcblk0', 'gzip', day, [], 'SD/MMC')).toBe(
      'SD-MMC-2026-11-22-1030.img.gz',
    );
  });
});
