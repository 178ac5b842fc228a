// Reading an attribute's value through its runs, on a disk made of known bytes: clusters that
// follow each other on the disk are read at once, holes and the bytes past the initialized
// size are zeros that cost no read, compressed units are decoded, stored units read as is,
// and a unit with clusters after its hole is refused.

import { describe, expect, it } from 'vitest';
import { Distrust } from '../../read-at.js';
import type { JoinedStream, Run } from './runlist.js';
import { MAX_READ, readStreamRange, streamChunks, type Volume } from './stream-reader.js';

const CLUSTER = 512;
const MIB = 2 ** 20;

/** A disk whose byte i is (i * 7 + i >> 9) & 0xff (so every cluster differs), counting reads. */
function disk(bytes: number) {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
  const reads: [number, number][] = [];
  const volume: Volume = {
    clusterSize: CLUSTER,
    read: async (position, length) => {
      reads.push([position, length]);
      return data.subarray(position, position + length);
    },
  };
  return { data, reads, volume };
}

function stream(runs: Run[], size: number, extra: Partial<JoinedStream> = {}): JoinedStream {
  const vcns = runs.reduce((n, r) => n + r.length, 0);
  return {
    runs,
    vcns,
    flags: 0,
    compressionUnit: 0,
    allocatedSize: vcns * CLUSTER,
    dataSize: size,
    initializedSize: size,
    ...extra,
  };
}

const at = (lcn: number, clusters: number) => [lcn * CLUSTER, (lcn + clusters) * CLUSTER];

describe('reading through runs', () => {
  it('runs that follow each other on the disk are one read', async () => {
    const { data, reads, volume } = disk(64 * CLUSTER);
    const s = stream(
      [
        { vcn: 0, lcn: 10, length: 2 },
        { vcn: 2, lcn: 12, length: 3 },
        { vcn: 5, lcn: 30, length: 1 },
      ],
      6 * CLUSTER - 100,
    );
    const got = await readStreamRange(volume, { stream: s, unitBytes: 0 }, 0, s.dataSize, 't');
    const want = Buffer.concat([data.subarray(...at(10, 5)), data.subarray(...at(30, 1))]);
    expect(got.equals(want.subarray(0, s.dataSize))).toBe(true);
    expect(reads).toEqual([
      [10 * CLUSTER, 5 * CLUSTER],
      [30 * CLUSTER, CLUSTER - 100],
    ]);
  });

  it('a hole reads as zeros, without a read', async () => {
    const { data, reads, volume } = disk(64 * CLUSTER);
    const s = stream(
      [
        { vcn: 0, lcn: 4, length: 1 },
        { vcn: 1, lcn: null, length: 1000 },
        { vcn: 1001, lcn: 5, length: 1 },
      ],
      1002 * CLUSTER,
    );
    const got = await readStreamRange(
      volume,
      { stream: s, unitBytes: 0 },
      300,
      1001 * CLUSTER,
      't',
    );
    expect(
      got.subarray(0, CLUSTER - 300).equals(data.subarray(4 * CLUSTER + 300, 5 * CLUSTER)),
    ).toBe(true);
    expect(got.subarray(CLUSTER - 300, CLUSTER - 300 + 1000 * CLUSTER).every((b) => b === 0)).toBe(
      true,
    );
    expect(
      got
        .subarray(1000 * CLUSTER + CLUSTER - 300)
        .equals(data.subarray(5 * CLUSTER, 5 * CLUSTER + 300)),
    ).toBe(true);
    // Clusters 4 and 5 are neighbours on the disk (a hole lies between them in the file only):
    // one read.
    expect(reads).toEqual([[4 * CLUSTER + 300, CLUSTER]]);
  });

  it('bytes past the initialized size are zeros, whatever the clusters hold', async () => {
    const { data, reads, volume } = disk(64 * CLUSTER);
    const s = stream([{ vcn: 0, lcn: 8, length: 4 }], 4 * CLUSTER, { initializedSize: 700 });
    const got = await readStreamRange(volume, { stream: s, unitBytes: 0 }, 0, 4 * CLUSTER, 't');
    expect(got.subarray(0, 700).equals(data.subarray(8 * CLUSTER, 8 * CLUSTER + 700))).toBe(true);
    expect(got.subarray(700).every((b) => b === 0)).toBe(true);
    expect(reads).toEqual([[8 * CLUSTER, 700]]);
  });

  it('a byte outside the runs is Distrust', async () => {
    const { volume } = disk(64 * CLUSTER);
    const s = stream([{ vcn: 0, lcn: 1, length: 1 }], 3 * CLUSTER);
    const source = { stream: s, unitBytes: 0 };
    await expect(readStreamRange(volume, source, 0, 2 * CLUSTER, 't')).rejects.toThrow(Distrust);
  });

  it('streams in chunks of at most 1 MiB, reading 4 MiB at a time', async () => {
    const size = 10 * MIB + 3;
    const { data, reads, volume } = disk(size + CLUSTER);
    const s = stream([{ vcn: 0, lcn: 1, length: Math.ceil(size / CLUSTER) }], size);
    const chunks: Buffer[] = [];
    for await (const chunk of streamChunks(volume, { stream: s, unitBytes: 0 }, 't')) {
      chunks.push(chunk);
    }
    expect(chunks.every((c) => c.length <= MIB)).toBe(true);
    expect(chunks.length).toBe(11);
    expect(Buffer.concat(chunks).equals(data.subarray(CLUSTER, CLUSTER + size))).toBe(true);
    expect(reads.length).toBe(3);
    expect(Math.max(...reads.map(([, n]) => n))).toBe(MAX_READ);
  });
});

describe('reading compressed units (16 clusters of 512 bytes: 8 KiB)', () => {
  const UNIT = 16 * CLUSTER;
  /** An LZNT1 stream of one chunk: "abc" then (offset 3, length 4093): 4096 bytes. */
  const lznt1 = Buffer.from([0x05, 0xb0, 0b1000, 0x61, 0x62, 0x63, 0xfa, 0x2f]);
  const abc = Buffer.from('abc'.repeat(1366).slice(0, 4096), 'latin1');

  function compressedDisk() {
    const d = disk(128 * CLUSTER);
    // Unit 0's one cluster: the chunk, then zeros (the end marker) as NTFS pads it.
    d.data.fill(0, 40 * CLUSTER, 41 * CLUSTER);
    lznt1.copy(d.data, 40 * CLUSTER);
    return d;
  }
  const runs: Run[] = [
    { vcn: 0, lcn: 40, length: 1 }, // unit 0: compressed (1 cluster, then a hole)
    { vcn: 1, lcn: null, length: 15 },
    { vcn: 16, lcn: 50, length: 16 }, // unit 1: stored as is
    { vcn: 32, lcn: null, length: 16 }, // unit 2: a hole
    { vcn: 48, lcn: 70, length: 16 }, // unit 3: stored, cut short by the end of the data
  ];
  const compressed = (size: number) => stream(runs, size, { flags: 1, compressionUnit: 4 });

  it('decodes compressed units, reads stored ones, zeros holes', async () => {
    const { data, reads, volume } = compressedDisk();
    const size = 3 * UNIT + 1000;
    const got = await readStreamRange(
      volume,
      { stream: compressed(size), unitBytes: UNIT },
      0,
      size,
      't',
    );
    expect(got.subarray(0, 4096).equals(abc)).toBe(true);
    expect(got.subarray(4096, UNIT).every((b) => b === 0)).toBe(true);
    expect(got.subarray(UNIT, 2 * UNIT).equals(data.subarray(...at(50, 16)))).toBe(true);
    expect(got.subarray(2 * UNIT, 3 * UNIT).every((b) => b === 0)).toBe(true);
    expect(got.subarray(3 * UNIT).equals(data.subarray(70 * CLUSTER, 70 * CLUSTER + 1000))).toBe(
      true,
    );
    expect(reads.sort((a, b) => a[0] - b[0])).toEqual([
      [40 * CLUSTER, CLUSTER],
      [50 * CLUSTER, UNIT],
      [70 * CLUSTER, 1000],
    ]);
  });

  it('compressed units that follow each other on the disk are one read', async () => {
    // Three compressed units whose clusters are 40, 41, 42 on the disk.
    const adjacent: Run[] = [0, 1, 2].flatMap((u) => [
      { vcn: u * 16, lcn: 40 + u, length: 1 },
      { vcn: u * 16 + 1, lcn: null, length: 15 },
    ]);
    const d = compressedDisk();
    for (const u of [1, 2]) d.data.copy(d.data, (40 + u) * CLUSTER, 40 * CLUSTER, 41 * CLUSTER);
    const s = stream(adjacent, 3 * UNIT, { flags: 1, compressionUnit: 4 });
    const got = await readStreamRange(d.volume, { stream: s, unitBytes: UNIT }, 0, 3 * UNIT, 't');
    for (const u of [0, 1, 2])
      expect(got.subarray(u * UNIT, u * UNIT + 4096).equals(abc)).toBe(true);
    expect(d.reads).toEqual([[40 * CLUSTER, 3 * CLUSTER]]);
  });

  it('reads a range in the middle of a compressed unit', async () => {
    const { volume } = compressedDisk();
    const source = { stream: compressed(3 * UNIT), unitBytes: UNIT };
    const got = await readStreamRange(volume, source, 100, 50, 't');
    expect(got.equals(abc.subarray(100, 150))).toBe(true);
  });

  it('a unit with clusters after its hole, or bad LZNT1, is Distrust', async () => {
    const { data, volume } = compressedDisk();
    const holeFirst: Run[] = [
      { vcn: 0, lcn: null, length: 8 },
      { vcn: 8, lcn: 40, length: 8 },
    ];
    const source = { stream: stream(holeFirst, UNIT, { flags: 1 }), unitBytes: UNIT };
    await expect(readStreamRange(volume, source, 0, UNIT, 't')).rejects.toThrow(/after its hole/);
    data[40 * CLUSTER + 6] = 0xff; // the back-reference now runs past the 4096 bytes
    const bad = { stream: compressed(UNIT), unitBytes: UNIT };
    await expect(readStreamRange(volume, bad, 0, UNIT, 't')).rejects.toThrow(/LZNT1/);
  });
});
