// npm run bench: Spillway against the peer tools on the same bytes, in the same run.
//
//   npm run bench                       every suite, 3 runs each, medians
//   npm run bench -- --runs 5 --only backup
//   npm run bench -- --record           also append the results to docs/benchmarks.md
//   npm run bench -- --only foreign --runs 1 --mib 160   a quick check on a smaller fixture
//   npm run bench -- --only backup --case raw --case 'zstd -3 -T0'   only the cases whose
//                                       names hold one of these (a peer left out has no ratio)
//
// The source is a read-only loop device over the 4096 MiB fixture disk (built once by
// src-main/test-support/fixture-disk.ts and cached), or the fixture file when not root.
// Shared machines are noisy: each case runs --runs times, interleaved with its peers in an
// order that rotates from round to round, and the median is reported; compare the ratios,
// not the absolute figures.

import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, rm, stat } from 'node:fs/promises';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { fixtureDisk } from '../src-main/test-support/fixtures.js';
import { attachLoop, detachAll } from '../src-main/test-support/loop-devices.js';
import { REPO_ROOT } from '../src-main/test-support/paths.js';
import { noLoopReason } from '../src-main/test-support/root.js';
import { q } from '../src-main/test-support/shell.js';
import { idlePageoutSeconds, pageCacheNote } from './machine-notes.js';
import { measure, median } from './measure.js';
import {
  BENCH_LOG,
  BENCH_WORK as WORK,
  SUITES,
  type Case,
  type Context,
  type Suite,
} from './suites.js';

const ROOT = REPO_ROOT;

interface Row {
  suite: string;
  name: string;
  /** Case-specific figures (medians), e.g. seconds until the source was released. */
  extras: Record<string, number>;
  seconds: number;
  cpuSeconds: number;
  mbPerSecond: number;
  outputBytes: number | null;
  peakRssBytes: number;
  peers: string[];
}

function args(): {
  runs: number;
  only: string[] | null;
  cases: string[];
  record: boolean;
  mib: number;
} {
  const argv = process.argv.slice(2);
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  return {
    runs: Number(value('--runs') ?? 3),
    only: value('--only')?.split(',') ?? null,
    /** Every --case given (case names hold commas, so one flag per name part). */
    cases: argv.flatMap((flag, i) => (flag === '--case' && argv[i + 1] ? [argv[i + 1]!] : [])),
    record: argv.includes('--record'),
    /** The fixture disk's size (the figures of record are on 4096 MiB). */
    mib: Number(value('--mib') ?? 4096),
  };
}

/** Whether a case is run: all of them, or those whose names hold one of `parts`. */
function wanted(name: string, parts: string[]): boolean {
  return parts.length === 0 || parts.some((part) => name.includes(part));
}

async function runCase(c: Case, context: Context) {
  await c.before?.(context);
  // Start every case with nothing dirty in the page cache: otherwise a case pays for the
  // writeback of the one before it.
  execFileSync('sync');
  const result = await measure(c.command(context)).catch((error: unknown) => {
    throw new Error(`the case "${c.name}" failed; Spillway's own account is in ${BENCH_LOG}`, {
      cause: error,
    });
  });
  const outputBytes = c.output ? (await stat(c.output(context))).size : null;
  const extras = (await c.extras?.(context)) ?? {};
  await c.after?.(context);
  return { ...result, outputBytes, extras };
}

async function runSuite(
  suite: Suite,
  whole: { source: string; size: number; disk: string },
  runs: number,
) {
  const work = join(WORK, suite.name);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  let source = whole.source;
  let sizeBytes = whole.size;
  if (suite.slice) {
    const [offset, length] = suite.slice;
    source = join(work, 'slice.img');
    execFileSync('bash', [
      '-c',
      `dd if=${q(whole.source)} of=${q(source)} bs=1M skip=${offset} count=${length} status=none`,
    ]);
    sizeBytes = length * 2 ** 20;
  }
  const context = { source, work, keep: suite.slice ? null : whole.disk };
  await suite.setup?.(context);
  const samples = new Map<string, Array<Awaited<ReturnType<typeof runCase>>>>();
  for (let run = 0; run < runs; run++) {
    // Each round starts one case later: on a shared machine the case that follows a heavy one
    // can pay for it (measured: whichever restore ran first in a round, after the 4 GiB
    // `zstd -dc > file; sync file` of the round before, took 1.5–2 s longer), so no case
    // should always hold the same place.
    const order = suite.cases.map((_, i) => suite.cases[(i + run) % suite.cases.length]!);
    for (const c of order) {
      if (run > 0 && c.once) continue;
      const sample = await runCase(c, context);
      samples.set(c.name, [...(samples.get(c.name) ?? []), sample]);
      process.stderr.write(`  ${suite.name} / ${c.name}: ${sample.seconds.toFixed(2)} s\n`);
    }
  }
  await rm(context.work, { recursive: true, force: true });
  return suite.cases.map((c): Row => {
    const s = samples.get(c.name)!;
    const seconds = median(s.map((x) => x.seconds));
    const cpuSeconds = median(s.map((x) => x.cpuSeconds));
    const extras = Object.fromEntries(
      Object.keys(s[0]!.extras).map((key) => [key, median(s.map((x) => x.extras[key]!))]),
    );
    return {
      suite: suite.name,
      name: c.name,
      extras,
      seconds,
      cpuSeconds,
      mbPerSecond: sizeBytes / 2 ** 20 / seconds,
      outputBytes: s[0]!.outputBytes,
      peakRssBytes: Math.max(...s.map((x) => x.peakRssBytes)),
      peers: c.peer === undefined ? [] : [c.peer].flat(),
    };
  });
}

/** A table cell: a literal `|` (as in `dd | gzip`) would end the cell early. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function table(rows: Row[], runs: number): string {
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  const lines = [
    `| suite | case | wall s (median of ${runs}) | MiB/s | CPU s | output MiB | peak RSS MiB | other |`,
    '|---|---|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.suite} | ${cell(r.name)} | ${r.seconds.toFixed(2)} | ${r.mbPerSecond.toFixed(0)} | ${r.cpuSeconds.toFixed(1)} | ${r.outputBytes === null ? '—' : mib(r.outputBytes)} | ${mib(r.peakRssBytes)} | ${Object.entries(
          r.extras,
        )
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')} |`,
    ),
  ];
  const ratios = rows.flatMap((r) =>
    r.peers.flatMap((name) => {
      const peer = rows.find((p) => p.suite === r.suite && p.name === name);
      if (!peer) return [];
      const speed = (peer.seconds / r.seconds).toFixed(2);
      const size =
        r.outputBytes !== null && peer.outputBytes
          ? `, size ×${(r.outputBytes / peer.outputBytes).toFixed(3)}`
          : '';
      // Shared time-like extras (seconds): the peer's over ours, so > 1 means sooner.
      const sooner = Object.keys(r.extras)
        .filter((key) => key.endsWith(' s') && peer.extras[key] !== undefined)
        .map((key) => `, ${key.slice(0, -2)} ×${(peer.extras[key]! / r.extras[key]!).toFixed(2)}`)
        .join('');
      const cpu = (peer.cpuSeconds / r.cpuSeconds).toFixed(2);
      return `- ${r.suite}: ${r.name} vs ${peer.name}: throughput ×${speed} (CPU ×${cpu})${size}${sooner}`;
    }),
  );
  return [...lines, '', 'Ratios (Spillway / peer; throughput > 1 is faster):', ...ratios].join(
    '\n',
  );
}

async function main() {
  const options = args();
  const suites = SUITES.filter((s) => !options.only || options.only.includes(s.name)).map(
    (suite) => ({ ...suite, cases: suite.cases.filter((c) => wanted(c.name, options.cases)) }),
  );
  process.stderr.write(
    `Preparing the ${options.mib} MiB fixture disk (built once, then cached)…\n`,
  );
  const disk = await fixtureDisk({ sizeMiB: options.mib });
  const loop = noLoopReason ? null : await attachLoop(disk, { readOnly: true });
  const source = loop?.path ?? disk;
  const size = (await stat(disk)).size;
  try {
    // Warm the page cache so every tool reads the same cached bytes.
    execFileSync('bash', ['-c', `cat ${q(source)} > /dev/null`]);
    const rows: Row[] = [];
    for (const suite of suites) {
      rows.push(...(await runSuite(suite, { source, size, disk }, options.runs)));
    }
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const heading =
      `### ${new Date().toISOString().slice(0, 10)} · ${hostname()} · nproc ${cpus().length} · ${cpu}\n\n` +
      `Source: ${loop ? 'read-only loop device over' : 'file'} the ${options.mib} MiB fixture disk, page cache warm` +
      pageCacheNote(idlePageoutSeconds()) +
      suites
        .filter((suite) => suite.cold)
        .map((suite) => ` (${suite.name}: ${suite.cold})`)
        .join('') +
      suites
        .filter((suite) => suite.slice)
        .map((suite) => ` (${suite.name}: ${suite.slice![1]} MiB from MiB ${suite.slice![0]})`)
        .join('') +
      '. ' +
      `Spillway ${JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json").version)'], { cwd: ROOT }).toString())}.\n`;
    const report = `${heading}\n${table(rows, options.runs)}\n`;
    process.stdout.write(`\n${report}`);
    if (options.record) await appendFile(join(ROOT, 'docs/benchmarks.md'), `\n${report}`);
  } finally {
    await loop?.detach();
    detachAll();
  }
}

await main();
