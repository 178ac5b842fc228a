// The UI's side of the API over any MessageLink: one promise per request, answered by id,
// and job events fanned out to listeners. Everything that arrives is validated before use:
// a result against its method's schema, a job event against the event schemas. Plain
// TypeScript with no Node import: the renderer bundles it.

import {
  JobMessageSchema,
  METHODS,
  RESULT_SCHEMAS,
  ResponseSchema,
  type MessageLink,
  type Method,
  type SpillwayApi,
} from './api.js';
import type { ErrorInfo } from './errors.js';
import type { JobEvent } from './protocol/events.js';

/** An API call that failed: the code and words the other side sent. */
export class ApiError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.info = info;
  }
}

interface Pending {
  method: Method;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface ApiClient extends SpillwayApi {
  /** Fails every pending call (the link went away) and stops listening. */
  close(reason?: string): void;
}

export function createApiClient(link: MessageLink): ApiClient {
  const pending = new Map<number, Pending>();
  const listeners = new Set<(jobId: string, event: JobEvent) => void>();
  let nextId = 1;
  let closed: string | null = null;

  const stop = link.onMessage((raw) => {
    const job = JobMessageSchema.safeParse(raw);
    if (job.success) {
      for (const listener of listeners) listener(job.data.jobId, job.data.event);
      return;
    }
    const response = ResponseSchema.safeParse(raw);
    if (!response.success) return;
    const message = response.data;
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    if (!message.ok) {
      call.reject(new ApiError(message.error));
      return;
    }
    const result = RESULT_SCHEMAS[call.method].safeParse(message.result);
    if (result.success) call.resolve(result.data);
    else {
      call.reject(
        new ApiError({ code: 'internal', message: `Malformed reply to ${call.method}.` }),
      );
    }
  });

  function call(method: Method, params: unknown): Promise<unknown> {
    if (closed !== null) {
      return Promise.reject(new ApiError({ code: 'internal', message: closed }));
    }
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { method, resolve, reject });
      link.send({ id, call: { method, params } });
    });
  }

  const methods = Object.fromEntries(
    METHODS.map((method) => [method, (params: unknown) => call(method, params)]),
  ) as unknown as Omit<SpillwayApi, 'onJobEvent'>;

  return {
    ...methods,
    onJobEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close(reason = 'The connection to Spillway was closed.') {
      if (closed !== null) return;
      closed = reason;
      stop();
      for (const waiting of pending.values()) {
        waiting.reject(new ApiError({ code: 'internal', message: reason }));
      }
      pending.clear();
    },
  };
}
