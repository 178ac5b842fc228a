// The restore confirmation: show what will be erased, and go ahead only when the user types
// the target's name. Reads a line from stdin (a terminal, or a pipe in scripts).

import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { RestorePlan } from '../../src-shared/protocol/plans.js';
import { formatBytes } from '../../src-shared/units.js';

/** The name typed is accepted as the kernel name or the full path ("sdb", "/dev/sdb"). */
export function nameMatches(typed: string, plan: RestorePlan): boolean {
  const answer = typed.trim();
  return answer.length > 0 && (answer === plan.target.name || answer === plan.target.path);
}

export function describePlan(plan: RestorePlan): string {
  const lines = [`This erases ${plan.erases}.`];
  const m = plan.image.manifest;
  const size =
    plan.image.payloadSize === null
      ? 'size known after decoding'
      : formatBytes(plan.image.payloadSize);
  lines.push(`Image: ${plan.image.path} (${plan.image.codec}, ${size})`);
  if (m) {
    const model = m.source.model ? `, ${m.source.model}` : '';
    lines.push(`Made from ${m.source.path}${model} on ${m.createdAt}`);
  }
  for (const note of plan.image.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

export async function askForName(
  plan: RestorePlan,
  input: Readable,
  output: Writable,
): Promise<boolean> {
  output.write(`${describePlan(plan)}\nType ${plan.target.name} to continue: `);
  const rl = createInterface({ input, terminal: false });
  try {
    const line = await new Promise<string | null>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(null));
    });
    return line !== null && nameMatches(line, plan);
  } finally {
    rl.close();
  }
}
