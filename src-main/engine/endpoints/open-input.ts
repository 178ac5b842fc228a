// Finds an image the user named and opens its bytes: a file on another machine (ssh://…),
// split parts (named by any part, or by the name they share), or one file here; with the
// index file beside it, when there is one. What the bytes are is format/'s question.

import { stat } from 'node:fs/promises';
import { openImageFile, readSidecarBeside } from './file/input.js';
import type { FoundImage, ImageInput, SidecarText } from './image-input.js';
import { openSplitInput } from './split/input.js';
import { parsePartPath } from './split/part-names.js';
import type { SshOptions } from './ssh/connection.js';
import { isSshUrl, parseSshUrl } from './ssh/url.js';

export async function openInput(
  path: string,
  options: { ssh?: SshOptions } = {},
): Promise<FoundImage> {
  if (isSshUrl(path)) {
    // The SSH library loads only for ssh:// images: every other job starts faster.
    const { openSshImage } = await import('./ssh/input.js');
    return openSshImage(parseSshUrl(path), options.ssh ?? {});
  }
  const input = (await openSplitImage(path)) ?? (await openImageFile(path));
  let sidecar: SidecarText | null;
  try {
    sidecar = await readSidecarBeside(input.path);
  } catch (error) {
    await input.close();
    throw error;
  }
  return { input, sidecar };
}

/**
 * A split image, named by any of its parts ("disk.img.zst.000") or by the name the parts
 * share ("disk.img.zst", when no such file exists); null when `path` is not one.
 */
async function openSplitImage(path: string): Promise<ImageInput | null> {
  const part = parsePartPath(path);
  if (part) return openSplitInput(part.image);
  if (await stat(path).catch(() => null)) return null;
  return openSplitInput(path);
}
