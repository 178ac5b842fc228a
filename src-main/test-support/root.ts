// Tests that need root (loop devices, mkfs, mount) check for it and skip, saying why.

import { existsSync } from 'node:fs';

export const isRoot = process.getuid?.() === 0;
export const hasLoopDevices = existsSync('/dev/loop-control');

/** Why tests of real block devices cannot run here, or null when they can. */
export const noLoopReason: string | null = !isRoot
  ? 'needs root: creates loop devices over fixture disks'
  : !hasLoopDevices
    ? 'needs loop devices (/dev/loop-control is missing)'
    : null;
