import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src-shared/manifest.js';
import { shrinkVerdict } from './smaller-target.js';

const MIB = 2 ** 20;

function manifest(table: 'gpt' | 'mbr' | null, dontCare: Array<[number, number]>): Manifest {
  return {
    dontCare,
    partitionTable: table && {
      type: table,
      id: 'x',
      sectorSize: 512,
      partitions: [
        { index: 1, start: MIB, size: 90 * MIB, type: '0x83', filesystem: 'ext4', mode: 'used' },
      ],
    },
  } as unknown as Manifest;
}

describe('restoring onto a smaller drive', () => {
  it('fits when only bytes outside every partition are past the end', () => {
    expect(shrinkVerdict(manifest('mbr', []), 100 * MIB, 95 * MIB)).toEqual({ fits: true });
  });

  it('on GPT keeps room for the backup table after the last partition', () => {
    expect(shrinkVerdict(manifest('gpt', []), 100 * MIB, 91 * MIB)).toEqual({
      fits: false,
      dataBytes: 0,
      partition: 1,
    });
    expect(shrinkVerdict(manifest('gpt', []), 100 * MIB, 92 * MIB)).toEqual({ fits: true });
  });

  it("counts the data that would not fit; don't-care bytes are not data", () => {
    const verdict = shrinkVerdict(manifest('mbr', [[80 * MIB, 88 * MIB]]), 100 * MIB, 80 * MIB);
    expect(verdict).toEqual({ fits: false, dataBytes: 3 * MIB, partition: 1 });
  });

  it("without a recorded partition table, everything not don't-care is data", () => {
    expect(shrinkVerdict(manifest(null, []), 100 * MIB, 99 * MIB)).toEqual({
      fits: false,
      dataBytes: MIB,
      partition: null,
    });
    expect(shrinkVerdict(null, 100 * MIB, 99 * MIB)).toMatchObject({ fits: false });
  });
});
