// Sparse writes: into a file nothing has been written to yet, a block of zeros need not be
// written at all (the file reads zeros there, and a hole takes no disk space), as `zstd -d`
// and `cp --sparse` do. Blocks are the 4 KiB of the file's own alignment, the unit of holes.
// Also whether a whole range is zeros (a backup's reader need not fill it again).

const BLOCK = 4096;
/** Zeros to compare with: one block, or a longer range piece by piece. */
const ZEROS = Buffer.alloc(64 * 1024);

/**
 * The parts of `data`, to be written at `position`, that are not whole zero blocks, as
 * [start, end) offsets into `data`: adjacent data blocks merged, so few writes remain.
 */
export function nonZeroRuns(data: Uint8Array, position: number): Array<[number, number]> {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const runs: Array<[number, number]> = [];
  let at = 0;
  while (at < bytes.byteLength) {
    // Up to the next block boundary of the file (a first or last piece may be partial).
    const end = Math.min(bytes.byteLength, at + BLOCK - ((position + at) % BLOCK));
    const zero = startsWithZeros(bytes, at, end) && isZero(bytes, at, end);
    if (!zero) {
      const last = runs.at(-1);
      if (last && last[1] === at) last[1] = end;
      else runs.push([at, end]);
    }
    at = end;
  }
  return runs;
}

/** Bytes looked at before a block is compared whole: data blocks rarely start with 16 zeros. */
const PEEK = 16;

/**
 * Whether the block's first bytes are zeros, read in place. Most blocks of a disk hold data
 * that shows within them; only the others pay for two views and a compare (this took the
 * search for zero blocks in the 4 GiB fixture from 0.36-0.40 s to 0.12-0.15 s, 2026-12-06).
 */
function startsWithZeros(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start, last = Math.min(end, start + PEEK); i < last; i++) {
    if (bytes[i] !== 0) return false;
  }
  return true;
}

function isZero(bytes: Buffer, start: number, end: number): boolean {
  return bytes.subarray(start, end).equals(ZEROS.subarray(0, end - start));
}

/** Whether every byte of `bytes` is zero; a range that is not mostly shows it at once. */
export function isAllZeros(bytes: Buffer): boolean {
  for (let at = 0; at < bytes.byteLength; at += ZEROS.byteLength) {
    const end = Math.min(bytes.byteLength, at + ZEROS.byteLength);
    if (!(startsWithZeros(bytes, at, end) && isZero(bytes, at, end))) return false;
  }
  return true;
}
