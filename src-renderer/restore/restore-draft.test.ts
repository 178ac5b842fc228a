import { describe, expect, it } from 'vitest';
import type { RestorePlan } from '../../src-shared/protocol/plans.js';
import { newRestoreDraft, restoreParams, stepProblem, type RestoreDraft } from './restore-draft.js';

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
};

function draft(change: Partial<RestoreDraft>): RestoreDraft {
  return { ...newRestoreDraft(), image: '/img/sdb.img.zst', ...change };
}

describe('the restore wizard’s rules', () => {
  it('will not restore a damaged image', () => {
    expect(stepProblem(draft({ step: 'contents', verified: false }))).toMatch(/damaged/);
    expect(stepProblem(draft({ step: 'contents', verified: null }))).toBeNull();
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
    });
  });
});
