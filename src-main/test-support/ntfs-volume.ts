// Building real NTFS volumes for the browse tests: mkntfs on an image file, attached as a loop
// device, mounted read-write through ntfs-3g (with compression allowed), filled by the test,
// then unmounted and detached, whatever happens. Plus the ntfs-3g knobs the tests need:
// attributes (compressed folders), DOS names, reparse points, all through extended
// attributes (Python's os.setxattr: no extra package).

import { mkdir } from 'node:fs/promises';
import { attachLoop } from './loop-devices.js';
import { mountNtfs } from './ntfs-mount.js';
import { q, sh } from './shell.js';

/** File attribute bits, as ntfs-3g's system.ntfs_attrib_be takes them. */
export const NTFS_ATTR_COMPRESSED_FOLDER = 0x10000800;

/**
 * Makes an NTFS volume in `image` (which exists, at its final size) labelled `label`, and
 * calls `fill` with its mount point. `mkntfsOptions`: more mkntfs options (e.g. "-c 512").
 */
export async function makeNtfsVolume(
  image: string,
  mountPoint: string,
  label: string,
  fill: (root: string) => Promise<void>,
  mkntfsOptions = '',
): Promise<void> {
  await sh(`mkntfs -F -f -Q ${mkntfsOptions} -L ${q(label)} ${q(image)} >/dev/null 2>&1`);
  await mkdir(mountPoint, { recursive: true });
  const loop = await attachLoop(image);
  try {
    const mount = await mountNtfs(loop.path, mountPoint, { extra: ['compression'] });
    try {
      await fill(mountPoint);
    } catch (error) {
      // The fill's error is the one to see, not a failed unmount after it.
      await mount.unmount().catch(() => {});
      throw error;
    }
    await mount.unmount();
  } finally {
    await loop.detach();
  }
}

/** Runs `use` with `image` mounted read-only on `mountPoint` through ntfs-3g. */
export async function withNtfsReadOnly<T>(
  image: string,
  mountPoint: string,
  use: (root: string) => Promise<T>,
): Promise<T> {
  const mount = await mountNtfs(image, mountPoint, { readOnly: true });
  try {
    return await use(mountPoint);
  } finally {
    await mount.unmount();
  }
}

/** Sets an extended attribute on a file of a mounted ntfs-3g volume. */
export async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  const script = 'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]))';
  await sh(`python3 -c ${q(script)} ${q(path)} ${q(name)} ${value.toString('hex')}`);
}

/** Sets the NTFS file attributes of a file or folder (e.g. compressed folder). */
export function setNtfsAttributes(path: string, attributes: number): Promise<void> {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(attributes);
  return setXattr(path, 'system.ntfs_attrib_be', value);
}

/**
 * A reparse point's data (tag, length, reserved, then the tag's own data) for a symlink
 * (0xA000000C) or a junction (0xA0000003) to `target`, as Windows writes them.
 */
export function symlinkReparseData(
  target: string,
  {
    junction = false,
    relative = true,
    print = target,
  }: { junction?: boolean; relative?: boolean; print?: string } = {},
): Buffer {
  const substitute = Buffer.from(target, 'utf16le');
  const printed = Buffer.from(print, 'utf16le');
  const head = Buffer.alloc(junction ? 8 : 12);
  head.writeUInt16LE(0, 0); // substitute name: offset, length
  head.writeUInt16LE(substitute.length, 2);
  head.writeUInt16LE(substitute.length, 4); // print name: offset, length
  head.writeUInt16LE(printed.length, 6);
  if (!junction) head.writeUInt32LE(relative ? 1 : 0, 8);
  return reparseData(
    junction ? 0xa0000003 : 0xa000000c,
    Buffer.concat([head, substitute, printed]),
  );
}

/** A reparse point's data: tag, length, reserved, then the tag's own data. */
export function reparseData(tag: number, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(tag, 0);
  header.writeUInt16LE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** `ntfsinfo -v` of the file at `path` of an (unmounted) image. */
export function ntfsinfo(image: string, path: string): Promise<string> {
  return sh(`ntfsinfo -v -F ${q(path)} ${q(image)}`);
}
