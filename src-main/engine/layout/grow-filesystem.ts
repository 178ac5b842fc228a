// Growing a filesystem to fill its grown partition, with each filesystem's own tool:
// e2fsck -f then resize2fs (resize2fs refuses a filesystem not freshly checked), ntfsresize,
// fatresize. exFAT has no such tool: its partition grows, its filesystem keeps its size.
// A tool that fails leaves the filesystem as it was (each checks before it changes anything),
// which the result says.

import { execFile } from 'node:child_process';
import type { Growth } from '../../../src-shared/protocol/events.js';
import type { PlacedPartition } from '../../../src-shared/protocol/plans.js';
import { GROW_TOOLS } from './plan-layout.js';

/** Runs a tool; the exit codes in `ok` count as success (e2fsck: 1 = errors corrected). */
async function tool(file: string, args: string[], ok: number[] = [0], input?: string) {
  return new Promise<{ ok: true } | { ok: false; detail: string; missing: boolean }>((resolve) => {
    const child = execFile(file, args, { maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve({ ok: false, detail: '', missing: true });
      if (typeof code === 'number' && ok.includes(code)) return resolve({ ok: true });
      const said = `${stderr}\n${stdout}`.trim().split('\n').slice(-3).join(' ');
      resolve({ ok: false, detail: `${file}: ${said}`.slice(0, 1000), missing: false });
    });
    child.stdin?.end(input ?? '');
  });
}

export async function growFilesystem(node: string, p: PlacedPartition): Promise<Growth> {
  const base = { partition: p.index, filesystem: p.filesystem, from: p.size, to: p.newSize };
  const name = p.filesystem !== null ? GROW_TOOLS[p.filesystem] : undefined;
  if (name === null || name === undefined) return { ...base, tool: null, why: 'exfat' };
  const steps: Array<[string, string[], number[], string?]> =
    name === 'resize2fs'
      ? [
          ['e2fsck', ['-f', '-y', node], [0, 1]],
          ['resize2fs', [node], [0]],
        ]
      : name === 'ntfsresize'
        ? [['ntfsresize', ['--force', '--no-progress-bar', node], [0], 'y\n']]
        : [['fatresize', ['--force-yes', '--size', 'max', node], [0]]];
  for (const [file, args, ok, input] of steps) {
    const outcome = await tool(file, args, ok, input);
    if (!outcome.ok) {
      return outcome.missing
        ? { ...base, tool: null, why: 'tool-missing', detail: `${file} is not installed` }
        : { ...base, tool: null, why: 'tool-failed', detail: outcome.detail };
    }
  }
  return { ...base, tool: name };
}
