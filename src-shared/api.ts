// The one API between a UI and the engine. The Electron preload bridge and the browser's
// WebSocket carry the same messages; whoever receives one validates it with these schemas
// first (a message crossing a process boundary is untrusted).
//
//   client → server   { id, call: { method, params } }
//   server → client   { id, ok: true, result } | { id, ok: false, error }
//   server → client   { jobId, event }           (job events, as the CLI's --json prints them)

import { z } from 'zod';
import { CODEC_NAMES } from './manifest.js';
import { ErrorInfoSchema, JobEventSchema } from './protocol/events.js';

const path = z.string().min(1).max(4096);

export const BackupParamsSchema = z.object({
  source: path,
  destination: path,
  codec: z.enum(CODEC_NAMES).optional(),
  level: z.number().int().min(-131072).max(22).optional(),
  mode: z.enum(['used', 'raw']).optional(),
  force: z.boolean().optional(),
});

export const RestoreParamsSchema = z.object({
  image: path,
  target: path,
  /** The target's name as the user typed it: the restore runs only if it matches the plan's. */
  confirmName: z.string().max(4096),
  readBack: z.boolean().optional(),
});

export const CallSchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('listDrives'),
    params: z.object({
      all: z.boolean().optional(),
      /** Paths the user chose (image, destination): drives holding them are flagged. */
      paths: z.array(path).max(16).optional(),
    }),
  }),
  z.object({ method: z.literal('planBackup'), params: z.object({ source: path }) }),
  z.object({ method: z.literal('inspectImage'), params: z.object({ image: path }) }),
  z.object({
    method: z.literal('planRestore'),
    params: z.object({ image: path, target: path }),
  }),
  z.object({ method: z.literal('startBackup'), params: BackupParamsSchema }),
  z.object({ method: z.literal('startRestore'), params: RestoreParamsSchema }),
  z.object({ method: z.literal('startVerify'), params: z.object({ image: path }) }),
  z.object({ method: z.literal('cancel'), params: z.object({ jobId: z.string().max(64) }) }),
]);
export type Call = z.infer<typeof CallSchema>;
export type Method = Call['method'];

export const RequestSchema = z.object({
  id: z.number().int().min(0),
  call: CallSchema,
});
export type Request = z.infer<typeof RequestSchema>;

export const ResponseSchema = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: ErrorInfoSchema }),
]);
export type Response = z.infer<typeof ResponseSchema>;

export const JobMessageSchema = z.object({
  jobId: z.string().max(64),
  event: JobEventSchema,
});
export type JobMessage = z.infer<typeof JobMessageSchema>;

/** Started jobs answer with their id; their events follow as JobMessages. */
export interface StartedJob {
  jobId: string;
}
