// How much of an image is the same as the image of the same drive made before it: the facts
// the engine finds (engine/sharing/shared-frames.ts), which the Images screen words. The
// reasons two images cannot be compared are a base's refusals (protocol/events.ts): the same
// things stop a backup from taking frames from an earlier image.

import { z } from 'zod';
import { BASE_REFUSALS } from './protocol/events.js';

const count = z.number().int().min(0);

export const SharedFramesSchema = z.discriminatedUnion('comparable', [
  z.object({
    comparable: z.literal(true),
    /** Frames of the newer image equal to the older one's at the same place. */
    framesShared: count,
    /** Frames of the newer image. */
    framesTotal: count,
    /** The drive's bytes in the shared frames (uncompressed). */
    bytesShared: count,
  }),
  z.object({ comparable: z.literal(false), reason: z.enum(BASE_REFUSALS) }),
]);
export type SharedFrames = z.infer<typeof SharedFramesSchema>;

/** An image's sharing with `image`, the one made before it of the same drive. */
export const SharedWithPreviousSchema = z.intersection(
  z.object({ image: z.string().min(1).max(4096) }),
  SharedFramesSchema,
);
export type SharedWithPrevious = z.infer<typeof SharedWithPreviousSchema>;
