// LZNT1: hand-made chunks whose output is worked out by hand (literals, back-references at the
// positions where the offset/length split changes, overlapping runs, stored chunks, short
// chunks, the end marker); malformed chunks (a clear Distrust, nothing written outside the
// output); random bytes; and the compression units of a file ntfs-3g really compressed, read
// straight from the image by the runlist ntfsinfo prints and checked against the file.

import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noNtfsReason } from '../../../test-support/ntfs-mount.js';
import {
  makeNtfsVolume,
  NTFS_ATTR_COMPRESSED_FOLDER,
  ntfsinfo,
  setNtfsAttributes,
} from '../../../test-support/ntfs-volume.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { Distrust } from '../../read-at.js';
import { decompressLznt1, LZNT1_CHUNK } from './lznt1.js';

/** A chunk: header (stored size - 3, compressed bit, signature 3) then its bytes. */
function chunk(data: number[] | Buffer, compressed = true): Buffer {
  const header = Buffer.alloc(2);
  header.writeUInt16LE((compressed ? 0xb000 : 0x3000) | (data.length + 2 - 3));
  return Buffer.concat([header, Buffer.from(data)]);
}

const ascii = (s: string) => [...Buffer.from(s, 'latin1')];
const token = (t: number) => [t & 0xff, t >> 8];

function decompress(input: Buffer, size = LZNT1_CHUNK): Buffer {
  const out = Buffer.alloc(size, 0xee); // not zeros: the decoder must write every byte
  decompressLznt1(input, out);
  return out;
}

/** Literals in groups of 8 behind a zero flag byte (a multiple of 8 of them). */
function literals(bytes: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 8) out.push(0, ...bytes.slice(i, i + 8));
  return out;
}

describe('LZNT1 by hand', () => {
  it('literals and a back-reference: "abc" then (offset 3, length 9)', () => {
    // At position 3 a token has 4 offset bits and 12 length bits: (3-1) << 12 | (9-3).
    const out = decompress(chunk([0b1000, ...ascii('abc'), ...token(0x2006)]));
    expect(out.toString('latin1', 0, 12)).toBe('abcabcabcabc');
    expect(out.subarray(12).every((b) => b === 0)).toBe(true);
  });

  it('an overlapping back-reference repeats: "a" then (offset 1, length 100)', () => {
    const out = decompress(chunk([0b10, ...ascii('a'), ...token(100 - 3)]));
    expect(out.toString('latin1', 0, 101)).toBe('a'.repeat(101));
    expect(out[101]).toBe(0);
  });

  it('the offset takes 4 bits up to position 16 and 5 bits from 17', () => {
    const letters = ascii('ABCDEFGHIJKLMNOPQ');
    // Position 16, offset 16, length 3: 15 << 12 | 0 (with 5 offset bits it would be 7 << 11).
    const at16 = decompress(chunk([...literals(letters.slice(0, 16)), 0b1, ...token(0xf000)]));
    expect(at16.toString('latin1', 0, 19)).toBe('ABCDEFGHIJKLMNOPABC');
    // Position 17, offset 17, length 5: 16 << 11 | 2.
    const at17 = decompress(
      chunk([...literals(letters.slice(0, 16)), 0b10, letters[16]!, ...token(0x8002)]),
    );
    expect(at17.toString('latin1', 0, 22)).toBe('ABCDEFGHIJKLMNOPQABCDE');
  });

  it('past position 2048 the offset takes 12 bits and the length 4', () => {
    const bytes = Array.from({ length: 2049 }, (_, i) => (i * 7) & 0xff);
    // Offset 2049, length 18: 2048 << 4 | 15.
    const input = [...literals(bytes.slice(0, 2048)), 0b10, bytes[2048]!, ...token(0x800f)];
    const out = decompress(chunk(input));
    expect([...out.subarray(0, 2049)]).toEqual(bytes);
    expect([...out.subarray(2049, 2049 + 18)]).toEqual(bytes.slice(0, 18));
  });

  it('a stored chunk, then a compressed one at the next 4096 bytes', () => {
    const stored = Buffer.alloc(LZNT1_CHUNK);
    for (let i = 0; i < stored.length; i++) stored[i] = (i * 13) & 0xff;
    const out = decompress(
      Buffer.concat([chunk(stored, false), chunk([0b1000, ...ascii('xyz'), ...token(0x2000)])]),
      3 * LZNT1_CHUNK,
    );
    expect(out.subarray(0, LZNT1_CHUNK).equals(stored)).toBe(true);
    expect(out.toString('latin1', LZNT1_CHUNK, LZNT1_CHUNK + 6)).toBe('xyzxyz');
    expect(out.subarray(LZNT1_CHUNK + 6).every((b) => b === 0)).toBe(true);
  });

  it('a short chunk leaves zeros to the end of its 4096 bytes; the end marker ends it all', () => {
    const input = Buffer.concat([
      chunk([0, ...ascii('abc')]),
      chunk([0, ...ascii('def')]),
      Buffer.from([0, 0]),
      chunk([0, ...ascii('ignored')]),
    ]);
    const out = decompress(input, 4 * LZNT1_CHUNK);
    expect(out.toString('latin1', 0, 3)).toBe('abc');
    expect(out.subarray(3, LZNT1_CHUNK).every((b) => b === 0)).toBe(true);
    expect(out.toString('latin1', LZNT1_CHUNK, LZNT1_CHUNK + 3)).toBe('def');
    expect(out.subarray(LZNT1_CHUNK + 3).every((b) => b === 0)).toBe(true);
  });

  it('no input at all is all zeros', () => {
    expect(decompress(Buffer.alloc(0)).every((b) => b === 0)).toBe(true);
  });
});

describe('LZNT1 refuses malformed input', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['a chunk longer than the input', chunk([0, ...ascii('abc')]).subarray(0, 4), /runs past/],
    ['a back-reference before any output', chunk([0b1, ...token(0)]), /before the chunk/],
    [
      'a back-reference further back than the output',
      chunk([0b10, 0x61, ...token(0x1000)]),
      /before the chunk/,
    ],
    ['a run past 4096 bytes', chunk([0b10, 0x61, ...token(0x0fff)]), /past 4096/],
    ['a back-reference cut in half', chunk([0b1000, ...ascii('abc'), 0x06]), /cut off/],
  ];
  it.each(cases)('%s', (_, input, reason) => {
    expect(() => decompress(input)).toThrow(Distrust);
    expect(() => decompress(input)).toThrow(reason);
  });

  it('literals past the end of a short output', () => {
    expect(() => decompress(chunk([0, ...ascii('abcdefgh')]), 5)).toThrow(/past/);
  });

  it('random bytes: a result or a Distrust, never a write outside the output', () => {
    const guard = 64;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 0, max: 20_000 }),
        (bytes, size) => {
          // As they come (random chunk headers), and behind a valid header (random tokens).
          const random = Buffer.from(bytes);
          for (const input of [random, Buffer.concat([chunk(random), chunk(random)])]) {
            const memory = Buffer.alloc(size + 2 * guard, 0xa5);
            try {
              decompressLznt1(input, memory.subarray(guard, guard + size));
            } catch (error) {
              if (!(error instanceof Distrust)) throw error;
            }
            expect(memory.subarray(0, guard).every((b) => b === 0xa5)).toBe(true);
            expect(memory.subarray(guard + size).every((b) => b === 0xa5)).toBe(true);
          }
        },
      ),
      { seed: 1723, numRuns: 3000 },
    );
  });
});

describe.skipIf(noNtfsReason)(
  `LZNT1 on a file ntfs-3g compressed${noNtfsReason ? ` (skipped: ${noNtfsReason})` : ''}`,
  () => {
    it('each compressed unit of the file decodes to its 64 KiB of the file', async () => {
      const dir = await tempDir('spillway-lznt1-');
      try {
        const image = join(dir.path, 'ntfs.img');
        await writeFile(image, Buffer.alloc(0));
        await truncate(image, 32 * 2 ** 20);
        const lines = Array.from(
          { length: 20_000 },
          (_, i) => `${i} ${'spillway '.repeat(i % 9)}\n`,
        );
        const content = Buffer.from(lines.join(''));
        await makeNtfsVolume(image, join(dir.path, 'mnt'), 'lznt1', async (root) => {
          await mkdir(join(root, 'packed'));
          await setNtfsAttributes(join(root, 'packed'), NTFS_ATTR_COMPRESSED_FOLDER);
          await writeFile(join(root, 'packed/text.txt'), content);
        });
        const info = await ntfsinfo(image, '/packed/text.txt');
        expect(info).toMatch(/Compression unit:\s+4/);
        const clusterSize = 4096;
        const unit = 16 * clusterSize;
        // The runlist as ntfsinfo prints it: VCN, LCN (or <HOLE>), length.
        const runs = [
          ...info.matchAll(/^\s+0x([0-9a-f]+)\s+(0x[0-9a-f]+|<HOLE>)\s+0x([0-9a-f]+)$/gim),
        ].map(([, vcn, lcn, length]) => ({
          vcn: parseInt(vcn!, 16),
          lcn: lcn === '<HOLE>' ? null : parseInt(lcn!, 16),
          length: parseInt(length!, 16),
        }));
        const bytes = await readFile(image);
        let compressedUnits = 0;
        for (let u = 0; u * unit < content.length; u++) {
          const first = u * 16;
          const stored = runs.filter((r) => r.lcn !== null && r.vcn >= first && r.vcn < first + 16);
          const clusters = stored.reduce((n, r) => n + r.length, 0);
          if (clusters === 16) continue; // stored as is, not LZNT1
          compressedUnits++;
          const input = Buffer.concat(
            stored.map((r) =>
              bytes.subarray(r.lcn! * clusterSize, (r.lcn! + r.length) * clusterSize),
            ),
          );
          const out = Buffer.alloc(unit);
          decompressLznt1(input, out);
          const want = content.subarray(u * unit, (u + 1) * unit);
          expect(out.subarray(0, want.length).equals(want)).toBe(true);
        }
        expect(compressedUnits).toBeGreaterThan(5);
      } finally {
        await dir.remove();
      }
    });
  },
);
