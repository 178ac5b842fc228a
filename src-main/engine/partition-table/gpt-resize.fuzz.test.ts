// Fuzzing the move of a GPT's backup onto a smaller drive (see test-support/fuzz.ts). It runs
// after a restore, over what the image put on the target: a table the backup trusted, unless
// the image lies. Whatever the bytes, it must either refuse (Distrust) or write only where a
// GPT lives (the protective MBR, the primary header, the new backup entries and header), never
// over a partition and never past the drive's end; and it must refuse whatever readGpt would
// not trust.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  boundedRead,
  FuzzDevice,
  fuzzOptions,
  mutations,
  outcomeOf,
  seedImage,
  Tally,
} from '../../test-support/fuzz.js';
import { gptFields, sealGpt } from '../../test-support/fuzz-gpt.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { Distrust } from '../read-at.js';
import { moveGptBackup } from './gpt-resize.js';
import { readGpt } from './gpt.js';

const MIB = 2 ** 20;
const RUNS = 1000;
const SECTOR = 512;
/** The smaller drive: 64 KiB less than the one the seed's table was made for. */
const SHRINK = 64 * 1024;

describe('GPT backup move fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-gpt-resize-');
  });
  afterAll(() => dir?.remove());

  it('mutated, it refuses, or writes only GPT sectors inside the drive and outside every partition', async () => {
    const script =
      'label: gpt\\nlabel-id: 5EED0015-0000-4000-8000-000000000001\\n' +
      'size=2MiB, uuid=5EED0015-0000-4000-8000-000000000002\\n' +
      'size=3MiB, uuid=5EED0015-0000-4000-8000-000000000003\\n';
    const seed = await seedImage(
      dir.path,
      'seed.img',
      8 * MIB,
      (file) => `printf '${script}' | sfdisk -q ${file}`,
    );
    const regions: Array<[number, number]> = [
      [0, 512],
      [SECTOR, SECTOR + 92],
      [2 * SECTOR, 2 * SECTOR + 2 * 128],
    ];
    const space = { seed, regions, fields: gptFields(seed, SECTOR), resize: false };
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(mutations(space, sealGpt(SECTOR)), async (changes) => {
        // What the restore wrote: the mutated disk, cut at the smaller drive's end.
        const original = new FuzzDevice(seed, changes);
        const size = seed.length - SHRINK;
        const target = new FuzzDevice(seed, [...changes, { op: 'resize', size }]);
        // The table as readGpt sees it when the size of the drive it was made for is not in
        // question (the header's backup LBA may be anything): what may be moved at all.
        const trusted = await readGpt(async (p, n) => original.bytes(p, n), SECTOR, Infinity).catch(
          () => null,
        );
        const writes: Array<[number, number]> = [];
        const { read } = boundedRead(target, { outside: 'fail' });
        const outcome = await outcomeOf(
          () =>
            moveGptBackup(
              read,
              async (bytes, position) => {
                writes.push([position, position + bytes.byteLength]);
              },
              size,
              SECTOR,
            ),
          [Distrust],
        );
        tally.add(outcome);
        if (outcome.kind === 'refused') return;
        if (!trusted) throw new Error('it moved a table readGpt does not trust');
        for (const [a, b] of writes) {
          if (!Number.isInteger(a) || a < 0 || b > size) throw new Error(`wrote [${a}, ${b})`);
          for (const p of trusted.partitions) {
            if (a < p.start + p.size && p.start < b) {
              throw new Error(`wrote [${a}, ${b}) over partition ${p.index}`);
            }
          }
        }
      }),
      fuzzOptions(RUNS),
    );
    console.log(tally.summary('GPT backup move'));
    tally.checkDepth('GPT backup move');
  });
});

describe('GPT backup move: what fuzzing found', () => {
  it('a header size of 0 is refused before anything is written', async () => {
    const dir = await tempDir('spillway-fuzz-gpt-resize-');
    try {
      const seed = await seedImage(
        dir.path,
        'seed.img',
        8 * MIB,
        (file) => `printf 'label: gpt\\nsize=2MiB\\nsize=3MiB\\n' | sfdisk -q ${file}`,
      );
      const device = new FuzzDevice(seed, [{ op: 'int', at: 512 + 12, width: 4, value: 0n }]);
      const writes: number[] = [];
      // Before the fix it rewrote both headers from this one.
      await expect(
        moveGptBackup(
          async (p, n) => device.bytes(p, n),
          async (_bytes, position) => void writes.push(position),
          seed.length - SHRINK,
          SECTOR,
        ),
      ).rejects.toThrow(new Distrust('GPT header size'));
      expect(writes).toEqual([]);
    } finally {
      await dir.remove();
    }
  });
});
