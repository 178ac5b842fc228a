// The index file beside a gzip, xz or uncompressed image (<image>.spillway.json). Those
// formats have no place for Spillway's header, manifest and frame index inside them, so they
// live here; the image itself stays a plain stream any tool reads (`gunzip -c`, `xz -dc`,
// `dd`). Without its sidecar such an image still restores, sequentially and unchecked.
// Like the manifest, this file comes from anywhere: everything in it is bounded.

import { z } from 'zod';
import { ImageHeaderSchema, ManifestSchema } from './manifest.js';

export const SIDECAR_FORMAT = 'spillway-sidecar';
export const SIDECAR_VERSION = 1;
export const SIDECAR_SUFFIX = '.spillway.json';
/** Largest sidecar accepted when reading (bytes of JSON). */
export const MAX_SIDECAR_BYTES = 256 * 2 ** 20;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** One frame: [bytes in the image file, bytes of the drive, the codec's checksum or null]. */
export const SidecarFrameSchema = z.tuple([
  count,
  count.min(1),
  z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .nullable(),
]);
export type SidecarFrame = z.infer<typeof SidecarFrameSchema>;

export const SidecarSchema = z.object({
  format: z.literal(SIDECAR_FORMAT),
  version: z.literal(SIDECAR_VERSION),
  header: ImageHeaderSchema,
  manifest: ManifestSchema,
  /** The image file's size, to notice at once an image that is not the one indexed. */
  imageBytes: count,
  frames: z.array(SidecarFrameSchema).max(2 ** 24),
});
export type Sidecar = z.infer<typeof SidecarSchema>;

export function sidecarPathOf(imagePath: string): string {
  return imagePath + SIDECAR_SUFFIX;
}
