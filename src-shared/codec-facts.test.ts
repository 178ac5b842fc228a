import { describe, expect, it } from 'vitest';
import { BackupParamsSchema, CallSchema } from './api.js';
import { ALL_LEVELS, CODEC_LEVELS } from './codec-facts.js';

describe('codec levels: one source for the engine, the API and the UI', () => {
  it('bounds every level the API accepts by the codecs’ own ranges', () => {
    expect(ALL_LEVELS).toEqual({ min: 0, max: CODEC_LEVELS.zstd.max });
    const params = (level: number) =>
      BackupParamsSchema.safeParse({ source: '/dev/sdb', destination: '/mnt', level }).success;
    expect(params(CODEC_LEVELS.zstd.max)).toBe(true);
    expect(params(CODEC_LEVELS.xz.min)).toBe(true);
    // zstd's own command line goes to 22 and below 0: Spillway offers neither.
    expect(params(22)).toBe(false);
    expect(params(-1)).toBe(false);
    const sample = (level: number) =>
      CallSchema.safeParse({
        method: 'sampleCompression',
        params: { source: '/dev/sdb', codec: 'zstd', level },
      }).success;
    expect(sample(19)).toBe(true);
    expect(sample(40)).toBe(false);
  });
});
