// Runs the built `spillway` command as a user would (bin/spillway, after npm run build).

import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';
import { q, shStatus } from './shell.js';

export const SPILLWAY = join(REPO_ROOT, 'bin', 'spillway');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `spillway ARGS`, with `input` on stdin. */
export function spillway(args: string[], input?: string): Promise<CliResult> {
  return shStatus([SPILLWAY, ...args].map(q).join(' '), input);
}

/** The JSON events of a `--json` run. */
export function jsonEvents(output: string): Array<Record<string, unknown> & { type: string }> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown> & { type: string });
}
