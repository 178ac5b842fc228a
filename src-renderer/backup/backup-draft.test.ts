import { describe, expect, it } from 'vitest';
import type { BackupPlan } from '../../src-shared/protocol/plans.js';
import {
  advancedProblem,
  backupParams,
  defaultFileName,
  drivePlanOf,
  expectedImageBytes,
  keepCount,
  newBackupDraft,
  roomWarning,
  stepProblem,
  withExtension,
  type BackupDraft,
} from './backup-draft.js';

const MIB = 2 ** 20;
const plan: BackupPlan = {
  source: '/dev/sdb',
  size: 1000 * MIB,
  partitionTable: null,
  partitions: [],
  bytesToRead: 300 * MIB,
  expectedImage: [100 * MIB, 250 * MIB],
};

function draft(change: Partial<BackupDraft>): BackupDraft {
  return { ...newBackupDraft(), ...change };
}

describe('the backup wizard’s rules', () => {
  it('cannot leave the source step without a source and its plan', () => {
    expect(stepProblem(draft({}))).toMatch(/Choose a drive/);
    expect(stepProblem(draft({ source: '/dev/sdb' }))).toMatch(/Looking/);
    expect(stepProblem(draft({ source: '/dev/sdb', plan }))).toBeNull();
  });

  it('needs a usable, checked folder and a file name on the destination step', () => {
    const base = { step: 'destination' as const, source: '/dev/sdb', plan, fileName: 'a.img.zst' };
    expect(stepProblem(draft({ ...base, folder: '' }))).toMatch(/Choose a folder/);
    expect(stepProblem(draft({ ...base, folder: '/mnt' }))).toMatch(/Checking/);
    const missing = { folder: '/mnt', usable: false as const, problem: 'missing' as const };
    expect(stepProblem(draft({ ...base, folder: '/mnt', destination: missing }))).toBe(
      'That folder does not exist.',
    );
    const fine = { folder: '/mnt', usable: true as const, free: 10 ** 12, splitAt: null };
    expect(stepProblem(draft({ ...base, folder: '/mnt', destination: fine }))).toBeNull();
    // A check of another folder than the one now typed does not count.
    expect(stepProblem(draft({ ...base, folder: '/media', destination: fine }))).toMatch(
      /Checking/,
    );
    expect(
      stepProblem(draft({ ...base, folder: '/mnt', destination: fine, fileName: 'a/b' })),
    ).toMatch(/file name/);
  });

  it('warns when the destination has less room than the image is expected to take', () => {
    const small = { folder: '/mnt', usable: true as const, free: 200 * MIB, splitAt: null };
    expect(roomWarning(draft({ plan, destination: small }))).toMatch(/only 200 MiB is free/);
    const tight = { ...small, free: 280 * MIB };
    expect(roomWarning(draft({ plan, destination: tight }))).toMatch(/may not fit/);
    const roomy = { ...small, free: 10 * 1024 * MIB };
    expect(roomWarning(draft({ plan, destination: roomy }))).toBeNull();
  });

  it('expects the image size from the sample at the chosen codec and level', () => {
    const sample = {
      codec: 'zstd' as const,
      level: 3,
      sampled: 8 * MIB,
      ratio: 3,
      bytesPerSecond: 500 * MIB,
      range: [450 * MIB, 520 * MIB] as [number, number],
      runs: 3,
      threads: 2,
      bytesToRead: 300 * MIB,
      expectedImage: 100 * MIB,
    };
    expect(expectedImageBytes(draft({ plan, sample }))).toBe(100 * MIB);
    // A sample at another level is not used; the plan's high end is.
    expect(expectedImageBytes(draft({ plan, sample, level: 9 }))).toBe(250 * MIB);
    // An exact copy reads the whole drive.
    expect(expectedImageBytes(draft({ plan, sample, mode: 'raw' }))).toBe(
      Math.round((1000 * MIB) / 3),
    );
    expect(expectedImageBytes(draft({ plan, codec: 'none', level: 0 }))).toBe(300 * MIB);
  });

  it('names the first wrong advanced setting', () => {
    const ok = newBackupDraft().advanced;
    expect(advancedProblem(ok)).toBeNull();
    expect(advancedProblem({ ...ok, spillMax: 'lots' })).toMatch(/spill limit "lots"/);
    expect(advancedProblem({ ...ok, maxWriteRate: '0' })).toMatch(/more than zero/);
    expect(advancedProblem({ ...ok, threads: '0' })).toMatch(/Threads/);
    expect(advancedProblem({ ...ok, threads: '2.5' })).toMatch(/Threads/);
  });

  it('turns the draft into the startBackup call', () => {
    const d = draft({
      source: '/dev/sdb',
      plan,
      folder: '/mnt/usb/',
      fileName: 'sdb.img.zst',
      level: 5,
      adaptive: true,
      destination: { folder: '/mnt/usb/', usable: true, free: 10 ** 12, splitAt: 4 * 2 ** 30 },
      split: false,
      advanced: {
        spillDir: '/var/tmp',
        spillMax: '2G',
        spillCompress: true,
        frameSizeMiB: 8,
        threads: '3',
        maxWriteRate: '50M',
      },
    });
    expect(backupParams(d)).toEqual({
      source: '/dev/sdb',
      destination: '/mnt/usb/sdb.img.zst',
      codec: 'zstd',
      level: 5,
      mode: 'used',
      adapt: { min: 1, max: 9 },
      split: false,
      spillDir: '/var/tmp',
      spillMax: 2 * 2 ** 30,
      spillCompress: true,
      maxWriteRate: 50 * MIB,
      threads: 3,
      frameSize: 8 * MIB,
    });
  });

  it('names the image after the drive, the day and the time, with the codec’s extension', () => {
    const at = new Date(2026, 10, 22, 10, 30);
    expect(defaultFileName('/dev/sdb', 'zstd', at)).toBe('sdb-2026-11-22-1030.img.zst');
    expect(defaultFileName('/srv/vm disk.img', 'xz', at)).toBe('vm-disk-2026-11-22-1030.img.xz');
    // A second backup of the same minute into the same folder gets a name of its own.
    expect(defaultFileName('/dev/sdb', 'zstd', at, ['sdb-2026-11-22-1030.img.zst'])).toBe(
      'sdb-2026-11-22-1030-2.img.zst',
    );
    expect(withExtension('sdb.img.zst', 'gzip')).toBe('sdb.img.gz');
    expect(withExtension('sdb.img.gz', 'none')).toBe('sdb.img');
    expect(withExtension('my-name', 'xz')).toBe('my-name');
  });

  it('flags a chosen name the folder already holds, before Start', () => {
    const draft = {
      ...newBackupDraft(),
      step: 'destination' as const,
      folder: '/media/backup',
      fileName: 'mine.img.zst',
      destination: { folder: '/media/backup', usable: true as const, free: 2 ** 40, splitAt: null },
      taken: ['mine.img.zst'],
    };
    expect(stepProblem(draft)).toBe('mine.img.zst is already in that folder: choose another name.');
    expect(stepProblem({ ...draft, fileName: 'other.img.zst' })).toBeNull();
  });
});

describe('remembering the settings for the drive', () => {
  const drive = { serial: 'S1', model: 'T7', size: 500e9 };

  it('saves the folder, codec, level, mode, how many to keep and whether to start by itself', () => {
    const settings = draft({ folder: '/media/b/', codec: 'xz', level: 6, mode: 'raw', keep: '4' });
    expect(drivePlanOf({ ...settings, autoStart: true }, drive)).toEqual({
      drive,
      destination: '/media/b',
      codec: 'xz',
      level: 6,
      mode: 'raw',
      keep: 4,
      autoStart: true,
    });
    expect(drivePlanOf(draft({ folder: '/', keep: '' }), drive)).toMatchObject({
      destination: '/',
      keep: null,
    });
  });

  it('keeps 1 to 1000 images, or all; anything else stops the summary', () => {
    expect(['1', ' 1000 ', '', '0', '2.5', 'x', '1001'].map(keepCount)).toEqual([
      1,
      1000,
      null,
      'invalid',
      'invalid',
      'invalid',
      'invalid',
    ]);
    const summary = draft({ step: 'summary', remember: true, keep: '0' });
    expect(stepProblem(summary)).toMatch(/between 1 and 1000/);
    expect(stepProblem({ ...summary, remember: false })).toBeNull();
    expect(drivePlanOf(summary, drive)).toBeNull();
  });
});

describe('encrypting with a password', () => {
  const fine = { folder: '/mnt', usable: true as const, free: 10 ** 12, splitAt: null };
  const base = draft({
    step: 'destination',
    source: '/dev/sdb',
    plan,
    folder: '/mnt',
    destination: fine,
    fileName: 'sdb.img.zst.age',
  });
  const on = (change: Partial<BackupDraft['encryption']>) => ({
    ...base,
    encryption: { on: true, password: 'pw', again: 'pw', stored: true, ...change },
  });

  it('holds the way until the password is typed twice alike and its keeping is ticked', () => {
    expect(stepProblem(on({ password: '', again: '' }))).toBe('Type a password for the image.');
    expect(stepProblem(on({ again: 'pW' }))).toMatch(/two passwords differ/);
    expect(stepProblem(on({ stored: false }))).toMatch(/^Tick “I have stored this password”/);
    expect(stepProblem(on({}))).toBeNull();
    // The summary holds the same rule (Start stays disabled).
    expect(stepProblem({ ...on({ stored: false }), step: 'summary' })).toMatch(/^Tick/);
  });

  it('only for zstd and lz4, with a name that ends .age', () => {
    expect(stepProblem({ ...on({}), codec: 'xz' })).toMatch(/Only zstd and lz4/);
    expect(stepProblem({ ...on({}), codec: 'lz4' })).toBeNull();
    expect(stepProblem({ ...on({}), fileName: 'sdb.img.zst' })).toMatch(/ends with \.age/);
  });

  it('adds .age to the name, swaps the codec under it, and takes it off again', () => {
    expect(withExtension('sdb.img.zst', 'zstd', true)).toBe('sdb.img.zst.age');
    expect(withExtension('sdb.img.zst.age', 'lz4', true)).toBe('sdb.img.lz4.age');
    expect(withExtension('sdb.img.lz4.age', 'lz4', false)).toBe('sdb.img.lz4');
    expect(defaultFileName('/dev/sdb', 'zstd', new Date(2026, 11, 6, 1, 2), [], 'sdb', true)).toBe(
      'sdb-2026-12-06-0102.img.zst.age',
    );
  });

  it('sends the password only as the backup’s encryption, and never remembers such a backup', () => {
    expect(backupParams(on({ password: 'a secret', again: 'a secret' })).encrypt).toEqual({
      passphrase: 'a secret',
    });
    expect(backupParams(base).encrypt).toBeUndefined();
    expect(drivePlanOf(on({}), { serial: 'S1', model: 'T7', size: 500e9 })).toBeNull();
  });
});
