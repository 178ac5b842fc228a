// A plan per drive: what the app remembers about backing up one drive again and again. A drive
// is known by its serial number and size (not by its /dev name, which changes from one plug-in
// to the next); a drive without a serial number (some USB bridges, loop devices) by its model
// and size.

import { z } from 'zod';
import { CODEC_NAMES } from './manifest.js';

const path = z.string().min(1).max(4096);

export const DriveIdentitySchema = z.object({
  serial: z.string().max(4096).nullable(),
  model: z.string().max(4096).nullable(),
  size: z.number().int().min(0),
});
export type DriveIdentity = z.infer<typeof DriveIdentitySchema>;

export const DrivePlanSchema = z.object({
  drive: DriveIdentitySchema,
  /** The folder the drive's images go to (and the only one old images are deleted from). */
  destination: path,
  codec: z.enum(CODEC_NAMES),
  level: z.number().int().min(-131072).max(22),
  mode: z.enum(['used', 'raw']),
  /** How many of the drive's images to keep; null keeps them all. */
  keep: z.number().int().min(1).max(1000).nullable(),
  /** Start the backup by itself when the drive is plugged in, instead of offering it. */
  autoStart: z.boolean(),
});
export type DrivePlan = z.infer<typeof DrivePlanSchema>;

/** The key a drive's plan is kept under. */
export function driveKey(drive: DriveIdentity): string {
  return drive.serial !== null && drive.serial !== ''
    ? `serial:${drive.serial}:${drive.size}`
    : `model:${drive.model ?? ''}:${drive.size}`;
}

/**
 * What the images made of one drive are kept together by (the Images screen's groups, and the
 * image each is compared with): the drive's key; for an image without a drive (of a file, or
 * of a drive neither listed nor named in its manifest), the path it was read from.
 */
export function imageGroupKey(image: { drive?: DriveIdentity; source: string | null }): string {
  return image.drive ? driveKey(image.drive) : `path:${image.source ?? ''}`;
}

/**
 * The drive an image's manifest names (its source's serial number, model and size), or null
 * when it names neither serial nor model: a file, a stream, a loop device (whose backing
 * file the manifest does not record), where size alone would mix up different drives.
 */
export function manifestDrive(source: {
  kind: string;
  serial?: string;
  model?: string;
  size: number;
}): DriveIdentity | null {
  const serial = source.serial?.trim() || null;
  const model = source.model?.trim() || null;
  if (source.kind !== 'device' || (serial === null && model === null)) return null;
  return { serial, model, size: source.size };
}
