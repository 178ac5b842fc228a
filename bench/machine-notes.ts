// Facts of the machine a bench ran on that change what its records mean. A kernel that pages
// out memory left idle (DAMON's "pageout" scheme, running on this project's VMs: memory not
// touched for 60 s, up to 128 MiB a second) evicts a file warmed into the page cache a minute
// later, so "page cache warm" is not the whole truth there: a case may read from the disk
// what its peer read from memory.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const KDAMONDS = '/sys/kernel/mm/damon/admin/kdamonds';

const read = (path: string) => readFileSync(path, 'utf8').trim();
const entries = (path: string) => readdirSync(path).filter((name) => /^\d+$/.test(name));

/** The shortest idle time (s) after which a running DAMON scheme pages memory out, or null. */
export function idlePageoutSeconds(root = KDAMONDS): number | null {
  let shortest: number | null = null;
  try {
    for (const kdamond of entries(root)) {
      if (read(join(root, kdamond, 'state')) !== 'on') continue;
      const contexts = join(root, kdamond, 'contexts');
      for (const context of entries(contexts)) {
        const aggregation = Number(
          read(join(contexts, context, 'monitoring_attrs/intervals/aggr_us')),
        );
        const schemes = join(contexts, context, 'schemes');
        for (const scheme of entries(schemes)) {
          if (read(join(schemes, scheme, 'action')) !== 'pageout') continue;
          const age = Number(read(join(schemes, scheme, 'access_pattern/age/min')));
          const seconds = (age * aggregation) / 1e6;
          shortest = shortest === null ? seconds : Math.min(shortest, seconds);
        }
      }
    }
  } catch {
    // No DAMON here, or not readable: nothing to say.
  }
  return shortest;
}

/** A clause for a record's heading, or '' when the machine keeps its page cache. */
export function pageCacheNote(seconds: number | null): string {
  return seconds === null
    ? ''
    : ` (this kernel pages out memory idle for ${Math.round(seconds)} s, DAMON: a file warmed longer ago may be read from the disk again)`;
}
