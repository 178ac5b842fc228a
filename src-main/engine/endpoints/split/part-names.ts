// Split images: one image stream cut into parts of a fixed size, named after the image with
// a three-digit number ("disk.img.zst.000", ".001", …), so `cat disk.img.zst.* | zstd -dc`
// gives the drive back. Naming and arithmetic, and which parts of an image are in its
// folder; the parts are written by sink.ts and read by input.ts.

import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** FAT32 cannot hold a file of 4 GiB; parts one MiB below that fit with room to spare. */
export const FAT32_PART_SIZE = 4 * 2 ** 30 - 2 ** 20;
/** statfs f_type of FAT12/16/32 (MSDOS_SUPER_MAGIC). */
const MSDOS_SUPER_MAGIC = 0x4d44;
/** At most this many parts (three digits). */
export const MAX_PARTS = 1000;
/** Parts smaller than this make no sense for a drive image (and would be thousands). */
export const MIN_PART_SIZE = 2 ** 20;

export function partPath(image: string, index: number): string {
  return `${image}.${String(index).padStart(3, '0')}`;
}

/** "disk.img.zst.004" → { image: "disk.img.zst", index: 4 }; null for any other name. */
export function parsePartPath(path: string): { image: string; index: number } | null {
  const match = /^(.+)\.(\d{3})$/.exec(path);
  return match ? { image: match[1]!, index: Number(match[2]) } : null;
}

/** The part size to use on a volume of this statfs type when the user gave none. */
export function automaticPartSize(fsType: number): number | null {
  return fsType === MSDOS_SUPER_MAGIC ? FAT32_PART_SIZE : null;
}

/** Which part holds byte `position` of the stream, and where in it. */
export function locate(position: number, partSize: number): { part: number; offset: number } {
  return { part: Math.floor(position / partSize), offset: position % partSize };
}

/** The part files of `image` that exist now, by number. */
export async function existingParts(image: string): Promise<Map<number, string>> {
  const names = await readdir(dirname(image)).catch(() => [] as string[]);
  const parts = new Map<number, string>();
  for (const name of names) {
    const parsed = parsePartPath(name);
    if (parsed && parsed.image === basename(image)) {
      parts.set(parsed.index, join(dirname(image), name));
    }
  }
  return parts;
}
