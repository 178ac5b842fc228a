// Fuzzing the swap reader (see test-support/fuzz.ts): a swap area made by mkswap with a label,
// mutated in its header page (signature, version, size, label) and cut short.

import { afterAll, beforeAll, describe, it } from 'vitest';
import { fuzzAllocationReader } from '../../../test-support/fuzz-allocation.js';
import { seedImage, type Field } from '../../../test-support/fuzz.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { swapReader } from './allocation.js';

const RUNS = 300;

const HEADER_FIELDS: Field[] = [
  { at: 1024, width: 4 }, // version
  { at: 1028, width: 4 }, // last page
  { at: 1032, width: 4 }, // bad pages
  { at: 1052, width: 8 }, // label
  { at: 4086, width: 8 }, // signature ("SWAPSPACE2", "S1SUSPEND"...)
  { at: 4094, width: 2 },
];

describe('swap reader fuzz', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('spillway-fuzz-swap-');
  });
  afterAll(() => dir?.remove());

  it('swap: mutated, it returns a sound allocation or distrusts', async () => {
    const bytes = await seedImage(
      dir.path,
      'seed.img',
      2 ** 20,
      (file) => `mkswap -L fuzz -U 5eed0015-0000-4000-8000-000000000005 ${file} >/dev/null`,
    );
    await fuzzAllocationReader(
      swapReader,
      { name: 'swap', bytes, filesystem: 'swap', fields: HEADER_FIELDS },
      RUNS,
      0,
    );
  });
});
