// The target rules, pure: every reason, in order, with the words the list, the app's
// refusals and the CLI all show.

import { describe, expect, it } from 'vitest';
import { cautionLine, cautionRefusal, cautionWords, targetCautions } from './target-rules.js';

const fine = { size: 8e9, readOnly: false, system: false, mounted: [], holds: [] };

describe('target rules', () => {
  it('find no reason on a plain drive', () => {
    expect(targetCautions(fine)).toEqual([]);
  });

  it('name every reason, as data', () => {
    const mounted = [{ device: '/dev/sdb2', mountPoint: '/media/x' }];
    expect(
      targetCautions({
        size: 0,
        readOnly: true,
        system: true,
        mounted,
        holds: ['/media/x/disk.img.zst'],
      }),
    ).toEqual([
      { kind: 'system' },
      { kind: 'holds-path', path: '/media/x/disk.img.zst' },
      { kind: 'mounted', mounts: mounted },
      { kind: 'read-only' },
      { kind: 'empty' },
    ]);
  });

  it('word them the same in a list and in a refusal', () => {
    const readOnly = { kind: 'read-only' } as const;
    expect(cautionWords(readOnly)).toBe('it is read-only: nothing can be written to it');
    expect(cautionLine(readOnly)).toBe('It is read-only: nothing can be written to it');
    const refusal = cautionRefusal(readOnly, '/dev/sdc');
    expect(refusal.code).toBe('target-read-only');
    expect(refusal.message).toBe(`/dev/sdc cannot be used: ${cautionWords(readOnly)}.`);
    expect(refusal.remedy).toBe('turn-off-write-protection');
  });

  it('say where a drive is in use, swap too', () => {
    expect(
      cautionWords({
        kind: 'mounted',
        mounts: [
          { device: '/dev/sdb1', mountPoint: '/media/a' },
          { device: '/dev/sdb2', mountPoint: 'swap' },
        ],
      }),
    ).toBe('it is in use: /dev/sdb1 on /media/a, /dev/sdb2 is used as swap');
    expect(cautionWords({ kind: 'mounted' })).toBe('it is in use (mounted)');
  });

  it('refuse a 0-byte device and say why', () => {
    const [empty] = targetCautions({ ...fine, size: 0 });
    expect(cautionRefusal(empty!, '/dev/zram0')).toMatchObject({
      code: 'target-too-small',
      message: '/dev/zram0 cannot be used: its size is 0 bytes: nothing fits on it.',
    });
  });
});
