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
