// The restore confirmation: show what will be erased, and go ahead only when the user types
// the target's name. Reads a line from stdin (a terminal, or a pipe in scripts).

import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ClonePlan, RestorePlan } from '../../src-shared/protocol/plans.js';
import { formatBytes } from '../../src-shared/units.js';

/** The name typed is accepted as the kernel name or the full path ("sdb", "/dev/sdb"). */
export function nameMatches(typed: string, plan: Pick<RestorePlan, 'target'>): boolean {
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

export function askForName(plan: RestorePlan, input: Readable, output: Writable): Promise<boolean> {
  return askToType(plan, describePlan(plan), input, output);
}

export function describeClone(plan: ClonePlan): string {
  const lines = [`This erases ${plan.erases}.`];
  const model = plan.source.model ? ` (${plan.source.model})` : '';
  lines.push(
    `Source: ${plan.source.path}${model}, ${formatBytes(plan.source.size)}; ` +
      `${formatBytes(plan.source.bytesToRead)} in use is copied.`,
  );
  const layout = plan.layout;
  if (layout?.kind === 'grow') {
    const grown = layout.partitions.find((p) => p.index === layout.grown)!;
    lines.push(
      `Partition ${grown.index} grows from ${formatBytes(grown.size)} to ${formatBytes(grown.newSize)}.`,
    );
  }
  return lines.join('\n');
}

export function askForClone(plan: ClonePlan, input: Readable, output: Writable): Promise<boolean> {
  return askToType(plan, describeClone(plan), input, output);
}

/** Shows `text` and goes ahead only when the target's name is typed. */
async function askToType(
  plan: Pick<RestorePlan, 'target'>,
  text: string,
  input: Readable,
  output: Writable,
): Promise<boolean> {
  output.write(`${text}\nType ${plan.target.name} to continue: `);
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
