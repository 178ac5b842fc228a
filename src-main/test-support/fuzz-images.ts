// Seed images for fuzzing the image format parsers (see fuzz.ts): Spillway's own images of
// every codec, made by the built command line (`bin/spillway backup`, after `npm run build`)
// from a small disk with a GPT and a FAT partition (so the manifest holds a partition table
// and "don't care" ranges), and plain streams made by the codecs' own tools.

import { readFile } from 'node:fs/promises';
import { sidecarPathOf } from '../../src-shared/sidecar.js';
import { spillway } from './cli.js';
import { q, sh } from './shell.js';

export interface SeedImage {
  name: string;
  bytes: Buffer;
  /** The index file beside a gzip, xz or uncompressed Spillway image. */
  sidecar?: string;
}

/** A 4 MiB disk: GPT, a FAT12 partition holding a file, text and zeros around it. */
export async function makeSourceDisk(dir: string): Promise<string> {
  const disk = `${dir}/disk.img`;
  const part = `${dir}/part.img`;
  await sh(
    `truncate -s 4M ${q(disk)} && ` +
      `printf 'label: gpt\\nlabel-id: 5EED0015-0000-4000-8000-000000000001\\nsize=2MiB, type=uefi\\n' | ` +
      `sfdisk -q ${q(disk)} && ` +
      `truncate -s 2M ${q(part)} && mkfs.fat --invariant -F 12 ${q(part)} >/dev/null && ` +
      `seq 1 20000 > ${q(dir)}/numbers.txt && ` +
      `MTOOLS_SKIP_CHECK=1 mcopy -i ${q(part)} ${q(dir)}/numbers.txt ::/ && ` +
      `dd if=${q(part)} of=${q(disk)} bs=1M seek=1 conv=notrunc status=none && ` +
      `seq 1 100000 | dd of=${q(disk)} bs=1M seek=3 conv=notrunc status=none`,
  );
  return disk;
}

/** Spillway's image of `disk` with `codec`, 64 KiB frames, as the command line writes it. */
export async function spillwayImage(
  dir: string,
  disk: string,
  codec: 'zstd' | 'lz4' | 'gzip' | 'xz' | 'none',
): Promise<SeedImage> {
  const extension = {
    zstd: '.img.zst',
    lz4: '.img.lz4',
    gzip: '.img.gz',
    xz: '.img.xz',
    none: '.img',
  };
  const image = `${dir}/out-${codec}${extension[codec]}`;
  const result = await spillway([
    'backup',
    disk,
    image,
    '--codec',
    codec,
    '--frame-size',
    '64K',
    '--threads',
    '1',
    '--json',
  ]);
  if (result.code !== 0) throw new Error(`spillway backup failed: ${result.stderr}`);
  const sidecar = await readFile(sidecarPathOf(image), 'utf8').catch(() => undefined);
  return {
    name: `disk${extension[codec]}`,
    bytes: await readFile(image),
    ...(sidecar !== undefined ? { sidecar } : {}),
  };
}

/** `tool ARGS` over `input` (zstd -c, xz -c, lz4 -c ...): its output. */
export async function toolOutput(dir: string, input: string, command: string): Promise<Buffer> {
  const out = `${dir}/tool-${Math.random().toString(36).slice(2)}`;
  await sh(`${command} < ${q(input)} > ${q(out)}`);
  return readFile(out);
}
