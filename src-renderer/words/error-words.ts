// An API failure in words a home user understands, with the next step when the engine gave
// one (its hint).

import { ApiError } from '../../src-shared/api-client.js';

export interface Problem {
  message: string;
  hint: string | null;
}

export function problemOf(error: unknown): Problem {
  if (error instanceof ApiError) {
    return { message: error.info.message, hint: error.info.hint ?? null };
  }
  return { message: error instanceof Error ? error.message : String(error), hint: null };
}
