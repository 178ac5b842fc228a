// One history entry from a job's request and its last event (pure).

import type { HistoryEntry } from '../../src-shared/api.js';
import type { DoneEvent, ErrorEvent } from '../../src-shared/protocol/events.js';
import type { JobRequest } from './job-requests.js';

export function historyEntry(
  jobId: string,
  request: JobRequest,
  startedAt: number,
  end: DoneEvent | ErrorEvent,
): HistoryEntry {
  const base = {
    jobId,
    kind: request.kind,
    startedAt,
    endedAt: end.t,
    size: null,
    imageBytes: null,
    ratio: null,
    verified: null,
  };
  const where =
    request.kind === 'backup'
      ? { source: request.params.source, destination: request.params.destination }
      : request.kind === 'restore'
        ? { source: request.params.image, destination: request.params.target }
        : request.kind === 'clone'
          ? { source: request.params.source, destination: request.params.target }
          : request.kind === 'extract'
            ? { source: request.params.image, destination: request.params.destination }
            : { source: request.params.image, destination: null };
  if (end.type === 'error') {
    return {
      ...base,
      ...where,
      outcome: end.error.code === 'cancelled' ? 'cancelled' : 'failed',
      error: end.error,
    };
  }
  const result = end.result;
  const done = { ...base, ...where, outcome: 'done' as const, error: null };
  switch (result.kind) {
    case 'backup':
      return {
        ...done,
        destination: result.image,
        size: result.size,
        imageBytes: result.imageBytes,
        ratio: result.ratio,
      };
    case 'restore':
    case 'clone':
      return { ...done, size: result.bytesWritten, verified: result.readBack };
    case 'verify':
      return { ...done, size: result.size, verified: result.ok };
    case 'extract':
      return { ...done, size: result.bytes };
    default:
      return done;
  }
}
