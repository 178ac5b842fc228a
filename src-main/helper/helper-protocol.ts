// What the main process (the host) and the privileged helper say to each other over their
// socket: one JSON message per line. Both sides validate every line they read.

import { z } from 'zod';
import { ErrorInfoSchema } from '../../src-shared/errors.js';
import { JobEventSchema } from '../../src-shared/protocol/events.js';
import { JobRequestSchema, QuestionSchema } from '../jobs/job-requests.js';

/** Longest line either side accepts: a manifest with many partitions fits easily. */
export const MAX_LINE_BYTES = 16 * 2 ** 20;

/** Longest log entry the helper sends (a stack with its causes is a few KiB). */
export const MAX_LOG_ENTRY = 64 * 1024;

const JobIdSchema = z.string().min(1).max(64);
const callId = z.number().int().min(0);

export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome') }),
  /** Sent to a client that is not the helper, just before the host closes it. */
  z.object({ type: z.literal('refused'), reason: z.string() }),
  z.object({ type: z.literal('start'), jobId: JobIdSchema, job: JobRequestSchema }),
  z.object({ type: z.literal('cancel'), jobId: JobIdSchema }),
  z.object({ type: z.literal('ask'), id: callId, question: QuestionSchema }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

// A union, not a discriminated one: the two 'reply' shapes share their type.
export const HelperMessageSchema = z.union([
  /** The first line: the one-time secret the host gave this process on its stdin. */
  z.object({ type: z.literal('hello'), secret: z.string().max(256), pid: z.number().int() }),
  z.object({ type: z.literal('event'), jobId: JobIdSchema, event: JobEventSchema }),
  z.object({ type: z.literal('job-ended'), jobId: JobIdSchema }),
  /** A line of the helper's log, for the host to keep in the app's log (the helper has none). */
  z.object({ type: z.literal('log'), entry: z.string().max(MAX_LOG_ENTRY) }),
  z.object({ type: z.literal('reply'), id: callId, ok: z.literal(true), result: z.unknown() }),
  z.object({ type: z.literal('reply'), id: callId, ok: z.literal(false), error: ErrorInfoSchema }),
]);
export type HelperMessage = z.infer<typeof HelperMessageSchema>;
