import { describe, expect, it } from 'vitest';
import type { RestorePlan } from '../../src-shared/protocol/plans.js';
import {
  lastRestoreRate,
  newRestoreDraft,
  restoreParams,
  stepProblem,
  unusedCost,
  unusedSentence,
  type RestoreDraft,
} from './restore-draft.js';

const plan: RestorePlan = {
  image: {
    path: '/img/sdb.img.zst',
    layout: 'indexed',
    codec: 'zstd',
    payloadSize: 1000,
    manifest: null,
    checkable: 'frames-and-stream-hash',
    notes: [],
  },
  target: {
    path: '/dev/sdc',
    kind: 'device',
    name: 'sdc',
    size: 1000,
    exists: true,
    partitions: [],
    mounted: [],
    disks: ['sdc'],
  },
  erases: 'everything on /dev/sdc',
  refusals: [],
  shrinkTo: null,
  unused: { bytes: 0, ranges: 0, canDiscard: false, newFile: false },
};

function draft(change: Partial<RestoreDraft>): RestoreDraft {
  return { ...newRestoreDraft(), image: '/img/sdb.img.zst', ...change };
}

describe('the restore wizard’s rules', () => {
  it('will not restore a damaged image', () => {
    expect(stepProblem(draft({ step: 'contents', verified: false }))).toMatch(/damaged/);
    expect(stepProblem(draft({ step: 'contents', verified: null }))).toBeNull();
  });

  it('an image that could not be opened is not said to be opening', () => {
    expect(stepProblem(draft({ step: 'image', openFailed: true }))).toBe(
      'Choose an image that can be opened.',
    );
    expect(stepProblem(draft({ step: 'image' }))).toBe('Opening the image…');
  });

  it('needs a target whose plan has no refusal', () => {
    expect(stepProblem(draft({ step: 'target' }))).toMatch(/Choose the drive/);
    expect(stepProblem(draft({ step: 'target', target: '/dev/sdc' }))).toMatch(/Checking/);
    expect(stepProblem(draft({ step: 'target', target: '/dev/sdc', plan }))).toBeNull();
    const refused = {
      ...plan,
      refusals: [{ code: 'target-too-small' as const, message: 'The drive is too small.' }],
    };
    expect(stepProblem(draft({ step: 'target', target: '/dev/sdc', plan: refused }))).toBe(
      'The drive is too small.',
    );
    // A plan made for another drive does not count for this one.
    expect(stepProblem(draft({ step: 'target', target: '/dev/sdd', plan }))).toMatch(/Checking/);
  });

  it('starts only when the typed name is exactly the target’s', () => {
    const confirm = { step: 'confirm' as const, target: '/dev/sdc', plan };
    for (const typed of ['', 'sd', 'sdc ', 'SDC', '/dev/sdc', 'sdb']) {
      const d = draft({ ...confirm, typedName: typed });
      expect(stepProblem(d)).toBe('Type sdc to confirm.');
      expect(restoreParams(d)).toBeNull();
    }
    expect(restoreParams(draft({ ...confirm, typedName: 'sdc' }))).toEqual({
      image: '/img/sdb.img.zst',
      target: '/dev/sdc',
      confirmName: 'sdc',
      expect: { size: 1000 },
      readBack: true,
      unused: 'auto',
    });
    expect(restoreParams(draft({ ...confirm, typedName: 'sdc', unused: 'keep' }))?.unused).toBe(
      'keep',
    );
  });
});

describe('the target’s unused space', () => {
  const MIB = 2 ** 20;
  const unused = { bytes: 209 * MIB, ranges: 12, canDiscard: true, newFile: false };

  it('the confirmation says only what will happen to it', () => {
    expect(unusedSentence(unused, 'auto')).toBe(
      'The 209 MiB not used by any filesystem will be erased.',
    );
    expect(unusedSentence(unused, 'zero')).toBe(
      'The 209 MiB not used by any filesystem will be zeroed.',
    );
    expect(unusedSentence(unused, 'keep')).toBe(
      'The 209 MiB not used by any filesystem will be left as it is.',
    );
    // A new file's unused space is holes; an image of every byte has none.
    expect(unusedSentence({ ...unused, newFile: true }, 'keep')).toBeNull();
    expect(unusedSentence({ ...unused, bytes: 0, ranges: 0 }, 'keep')).toBeNull();
  });

  it('says what each choice costs: moments to discard, zeros at the measured speed', () => {
    expect(unusedCost(unused, 'erase', null)).toBe('moments: the drive discards it');
    const noDiscard = { ...unused, canDiscard: false };
    expect(unusedCost(noDiscard, 'erase', null)).toBe('writes 209 MiB of zeros');
    expect(unusedCost(noDiscard, 'erase', 10 * MIB)).toBe(
      'writes 209 MiB of zeros, about 21 s at the speed of the last restore here',
    );
    expect(unusedCost(unused, 'zero', 1 * MIB)).toMatch(/about 3 min/);
    expect(unusedCost(unused, 'keep', 1 * MIB)).toMatch(/stays readable/);
  });

  it('measures the write speed from the last restore in the history', () => {
    const entry = {
      jobId: 'j',
      kind: 'restore' as const,
      startedAt: 0,
      endedAt: 10_000,
      outcome: 'done' as const,
      source: '/img',
      destination: '/dev/sdc',
      size: 100 * MIB,
      imageBytes: null,
      ratio: null,
      verified: true,
      error: null,
    };
    expect(lastRestoreRate([])).toBeNull();
    expect(lastRestoreRate([entry])).toBe(10 * MIB);
    expect(lastRestoreRate([entry, { ...entry, outcome: 'failed' }])).toBe(10 * MIB);
  });
});
