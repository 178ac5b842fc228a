// Whether an image is still where the history says: its file, or the first part of a split
// one. Asked by the main process, which may not be allowed to look into a folder the helper
// wrote as root: then the answer is "unknown", not "gone".

import { lstat } from 'node:fs/promises';
import { partPath } from '../engine/endpoints/split/part-names.js';

async function fileState(path: string): Promise<boolean | null> {
  try {
    return (await lstat(path)).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? false : null;
  }
}

/** true: there; false: not there (deleted or moved); null: it cannot be told from here. */
export async function imageExists(image: string): Promise<boolean | null> {
  const whole = await fileState(image);
  if (whole !== false) return whole;
  return fileState(partPath(image, 0));
}
