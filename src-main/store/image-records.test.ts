// The images of the history, one record each: a backup verified twice and restored from is
// one image; another tool's image restored here is listed, not as made here; a failed backup
// made no image; a backup over the same path starts the record anew.

import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src-shared/api.js';
import { imageRecords, previousOfSameDrive } from './image-records.js';

let clock = 1_000;
function entry(kind: HistoryEntry['kind'], fields: Partial<HistoryEntry>): HistoryEntry {
  clock += 1_000;
  return {
    jobId: `job-${clock}`,
    kind,
    startedAt: clock - 500,
    endedAt: clock,
    outcome: 'done',
    source: '/dev/sdb',
    destination: null,
    size: null,
    imageBytes: null,
    ratio: null,
    verified: null,
    error: null,
    ...fields,
  };
}

describe('the images of the history', () => {
  it('one image however many jobs used it, with its latest verify', () => {
    const made = entry('backup', {
      destination: '/b/sdb.img.zst',
      size: 100,
      imageBytes: 40,
      ratio: 2.5,
    });
    const first = entry('verify', { source: '/b/sdb.img.zst', verified: true });
    const restored = entry('restore', { source: '/b/sdb.img.zst', destination: '/dev/sdc' });
    const second = entry('verify', { source: '/b/sdb.img.zst', verified: false });
    const records = imageRecords([made, first, restored, second]);
    expect(records).toEqual([
      {
        path: '/b/sdb.img.zst',
        madeHere: true,
        source: '/dev/sdb',
        madeAt: made.endedAt,
        size: 100,
        imageBytes: 40,
        ratio: 2.5,
        verified: false,
        verifiedAt: second.endedAt,
        lastUsedAt: second.endedAt,
      },
    ]);
  });

  it('another tool’s image is listed, not as made here; a failed backup made none', () => {
    const failed = entry('backup', { outcome: 'failed', destination: '/b/x.img.zst' });
    const foreign = entry('restore', { source: '/old/disk.img.gz', destination: '/dev/sdc' });
    const records = imageRecords([failed, foreign]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      path: '/old/disk.img.gz',
      madeHere: false,
      source: null,
      madeAt: null,
      verified: null,
    });
  });

  it('newest first; a new backup to the same path forgets the old one’s verify', () => {
    const older = entry('backup', { destination: '/b/a.img.zst' });
    entry('verify', {});
    const verified = entry('verify', { source: '/b/a.img.zst', verified: true });
    const other = entry('backup', { destination: '/b/b.img.zst', source: '/dev/sdd' });
    const again = entry('backup', { destination: '/b/a.img.zst' });
    const records = imageRecords([older, verified, other, again]);
    expect(records.map((r) => [r.path, r.madeAt, r.verified])).toEqual([
      ['/b/a.img.zst', again.endedAt, null],
      ['/b/b.img.zst', other.endedAt, null],
    ]);
  });
});

describe('the image each is compared with', () => {
  const a = { serial: 'A1', model: 'Stick', size: 8e9 };
  const b = { serial: 'B2', model: 'Stick', size: 8e9 };
  it('the next older one of the same drive that is there, whatever /dev name it had', () => {
    // Newest first. The two drives swapped /dev names between their backups.
    const records = [
      { madeHere: true, drive: a, source: '/dev/sdc' },
      { madeHere: true, drive: b, source: '/dev/sdb' },
      { madeHere: true, drive: a, source: '/dev/sdb' },
      { madeHere: true, drive: a, source: '/dev/sdb' },
      { madeHere: true, drive: b, source: '/dev/sdc' },
      { madeHere: false, source: null },
    ];
    const present = [true, true, false, true, true, true];
    expect(previousOfSameDrive(records, present)).toEqual([3, 4, null, null, null, null]);
  });

  it('without a drive, by the path it was read from', () => {
    const records = [
      { madeHere: true, source: '/srv/disk.img' },
      { madeHere: true, source: '/srv/other.img' },
      { madeHere: true, source: '/srv/disk.img' },
    ];
    expect(previousOfSameDrive(records, [true, true, true])).toEqual([2, null, null]);
  });
});
