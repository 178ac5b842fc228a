// What the Images screen says of a group of images (the drive they were made from) and of what
// an image shares with the one before it. The API gives facts and reason codes; the words are
// here. A reason that says nothing useful to a person (the image could not be read here) is
// not shown at all.

import { driveKey } from '../../src-shared/drive-plan.js';
import type { SharedWithPrevious } from '../../src-shared/shared-frames.js';
import { formatBytes } from '../../src-shared/units.js';
import type { ImageGroup } from '../images/image-groups.js';

interface ListedDrive {
  description: string;
  identity: { serial: string | null; model: string | null; size: number };
}

/** A group's heading: the drive's name (a file's path), its capacity when known, and its
 *  serial number. */
export function groupHeading(
  group: ImageGroup,
  drives: readonly ListedDrive[],
): { name: string; capacity: string | null; serial: string | null } {
  if (group.key === null) return { name: 'Made by other tools', capacity: null, serial: null };
  const drive = group.drive;
  if (drive === null) {
    const size = group.images[0]?.size ?? null;
    return {
      name: group.source ?? 'an unknown source',
      capacity: size === null ? null : formatBytes(size),
      serial: null,
    };
  }
  // The name the drive list gives it while it is plugged in ("SanDisk Cruzer Blade"); else
  // the model it recorded.
  const key = driveKey(drive);
  const listed = drives.find((d) => driveKey(d.identity) === key)?.description.trim();
  const name = listed || drive.model || (drive.serial ? 'Drive' : (group.source ?? 'A drive'));
  return { name, capacity: formatBytes(drive.size), serial: drive.serial };
}

const NOT_COMPARED: Partial<
  Record<Extract<SharedWithPrevious, { comparable: false }>['reason'], string>
> = {
  'no-frame-hashes': 'one of them was made by an older Spillway',
  'other-drive': 'they record different drives',
  'other-codec': 'they are compressed differently',
  'other-frame-size': 'their frames are of different sizes',
  'other-level': 'they are compressed at different levels',
};

/**
 * "Shares 97% (3.6 GiB) with the image before". `before`: the image listed just below it;
 * when the image compared with is another (one between is gone), it is named.
 */
export function sharingWords(shared: SharedWithPrevious, before: string | null): string | null {
  const other =
    shared.image === before ? 'the image before' : (shared.image.split('/').pop() ?? '');
  if (!shared.comparable) {
    const why = NOT_COMPARED[shared.reason];
    return why ? `Not compared with ${other}: ${why}.` : null;
  }
  const { framesShared, framesTotal, bytesShared } = shared;
  if (framesShared === 0) return `Shares nothing with ${other}.`;
  if (framesShared === framesTotal) {
    return `Shares everything (${formatBytes(bytesShared)}) with ${other}.`;
  }
  // Rounded down, so what is not all is never said to be 100%; and never 0% when some is.
  const percent = Math.floor((100 * framesShared) / framesTotal);
  const share = percent === 0 ? 'less than 1%' : `${percent}%`;
  return `Shares ${share} (${formatBytes(bytesShared)}) with ${other}.`;
}
