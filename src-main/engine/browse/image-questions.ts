// The answers the API gives about what is inside an image (src-shared/api.ts): its
// partitions, a folder, names matching a pattern. Plain data, bounded in size.

import type { FindResult, ImageFolder, PartitionListing } from '../../../src-shared/api.js';
import { MAX_FIND_MATCHES, MAX_IMAGE_FOLDER_ENTRIES } from '../../../src-shared/api.js';
import { entryError, type ImageBrowser } from './image-browser.js';
import { findNames } from './find-names.js';
import { listImageFolder } from './list-folder.js';
import { normalPath } from './image-path.js';

export async function partitionListing(browser: ImageBrowser): Promise<PartitionListing> {
  const layout = await browser.layout();
  return { image: browser.path, size: browser.reader.size, ...layout };
}

export function imageFolder(
  browser: ImageBrowser,
  partition: number | null,
  path: string,
): Promise<ImageFolder> {
  return listImageFolder(browser, partition, normalPath(path), {
    limit: MAX_IMAGE_FOLDER_ENTRIES,
  });
}

export async function findInImage(
  browser: ImageBrowser,
  partition: number | null,
  pattern: string,
  under = '/',
): Promise<FindResult> {
  const where = await browser.partition(partition);
  const path = normalPath(under);
  const entry = await browser.entry(where, path, partition);
  const result: FindResult = {
    partition: where.partition.index,
    matches: [],
    truncated: false,
    problems: [],
  };
  try {
    for await (const found of findNames(where, pattern, { from: { path, entry } })) {
      if (found.type === 'problem') {
        if (result.problems.length < MAX_FIND_MATCHES) {
          result.problems.push({ path: found.path, problem: found.problem });
        }
        continue;
      }
      if (result.matches.length === MAX_FIND_MATCHES) {
        result.truncated = true;
        break;
      }
      const { kind, size, mtimeMs } = found.entry;
      result.matches.push({ path: found.path, kind, size, mtimeMs });
    }
  } catch (error) {
    throw entryError(error, partition, path);
  }
  return result;
}
