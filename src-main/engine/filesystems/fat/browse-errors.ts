// What the FAT and exFAT browse readers turn distrust into: the parsers below them throw
// Distrust with a reason ("its cluster chain loops"); the reader names the entry it was
// reading, so the error is about that entry and the rest of the tree stays browsable.

import { Distrust } from '../../read-at.js';
import { BrowseError } from '../browse.js';

/** `error` as a BrowseError about `path` when it is distrust; any other error unchanged. */
export function damagedAs(path: string, error: unknown): unknown {
  return error instanceof Distrust ? new BrowseError('damaged', path, error.message) : error;
}
