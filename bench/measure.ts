// Timing one command the way the peers are timed: a shell command line under GNU time, for
// wall time and the peak RSS of the largest process in it.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Measurement {
  seconds: number;
  /** User + system CPU seconds of the command and all its processes: steadier than wall
   *  time on a shared machine, and what the work costs. */
  cpuSeconds: number;
  peakRssBytes: number;
}

export async function measure(command: string): Promise<Measurement> {
  const { stderr } = await run(
    '/usr/bin/time',
    ['-f', 'BENCH %e %M %U %S', 'bash', '-o', 'pipefail', '-c', command],
    { maxBuffer: 64 * 2 ** 20 },
  );
  const line = stderr.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`no timing for: ${command}\n${stderr}`);
  const [, seconds, kib, user, system] = line.split(' ');
  return {
    seconds: Number(seconds),
    cpuSeconds: Number(user) + Number(system),
    peakRssBytes: Number(kib) * 1024,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
