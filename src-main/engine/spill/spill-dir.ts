// The spill buffer's own folder inside the spill directory, and the cleanup of folders that
// crashed runs left behind. A folder is only ever removed when its owner marker names a
// process that is gone (pid and its start time, so a reused pid is not mistaken for the
// owner): folders without a marker, or of a live process, are never touched.

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const RUN_DIR_PREFIX = 'spillway-spill-';
const MARKER = 'owner.json';

interface OwnerMarker {
  tool: 'spillway';
  pid: number;
  /** Process start time in clock ticks since boot (/proc/PID/stat field 22). */
  startTime: string;
  host: string;
  createdAt: string;
}

/** Start time of a process, or null when it does not exist. */
export async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export async function createRunDir(spillDir: string): Promise<string> {
  await cleanUpDeadRuns(spillDir);
  const dir = join(spillDir, `${RUN_DIR_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  const marker: OwnerMarker = {
    tool: 'spillway',
    pid: process.pid,
    startTime: (await processStartTime(process.pid)) ?? 'unknown',
    host: hostname(),
    createdAt: new Date().toISOString(),
  };
  await writeFile(join(dir, MARKER), JSON.stringify(marker));
  return dir;
}

async function isDeadRun(dir: string): Promise<boolean> {
  let marker: Partial<OwnerMarker>;
  try {
    marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as Partial<OwnerMarker>;
  } catch {
    return false; // no marker, or not ours: never guess
  }
  if (marker.tool !== 'spillway' || typeof marker.pid !== 'number') return false;
  if (marker.host !== hostname()) return false; // a spill folder shared over the network
  const startTime = await processStartTime(marker.pid);
  return startTime === null || startTime !== marker.startTime;
}

/** Removes the folders of runs whose owner process is gone; returns their names. */
export async function cleanUpDeadRuns(spillDir: string): Promise<string[]> {
  const removed: string[] = [];
  const entries = await readdir(spillDir).catch(() => [] as string[]);
  for (const name of entries) {
    if (!name.startsWith(RUN_DIR_PREFIX)) continue;
    const dir = join(spillDir, name);
    if (await isDeadRun(dir)) {
      await rm(dir, { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}
