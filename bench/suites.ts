// What npm run bench compares. Each suite runs its cases interleaved, on the same source;
// a case names the peer it is compared with. Later capabilities add suites here.

import { fileURLToPath } from 'node:url';
import { q } from '../src-main/test-support/shell.js';

const SPILLWAY = fileURLToPath(new URL('../../bin/spillway', import.meta.url));

export interface Context {
  /** The device (or file) to back up. */
  source: string;
  /** A scratch folder for this suite. */
  work: string;
}

export interface Case {
  name: string;
  /** The shell command timed. */
  command(context: Context): string;
  /** The file whose size is reported. */
  output?(context: Context): string;
  /** The case this one is compared with (ratios). */
  peer?: string;
  /** Run only in the first round (slow reference points such as gzip -9). */
  once?: boolean;
  before?(context: Context): Promise<void>;
  after?(context: Context): Promise<void>;
}

export interface Suite {
  name: string;
  setup?(context: Context): Promise<void>;
  cases: Case[];
}

const at = (c: Context, name: string) => q(`${c.work}/${name}`);
const spillway = (args: string) => `${q(SPILLWAY)} ${args}`;

export const SUITES: Suite[] = [
  {
    name: 'backup',
    cases: [
      {
        name: 'spillway backup (zstd -3, all cores)',
        command: (c) =>
          `rm -f ${at(c, 'spw.img.zst')}; ${spillway(`backup ${q(c.source)} ${at(c, 'spw.img.zst')}`)} 2>/dev/null`,
        output: (c) => `${c.work}/spw.img.zst`,
        peer: 'zstd -3 -T0',
      },
      {
        name: 'zstd -3 -T0',
        command: (c) => `zstd -3 -T0 -q -f ${q(c.source)} -o ${at(c, 'ref.zst')}`,
        output: (c) => `${c.work}/ref.zst`,
      },
      {
        name: 'pigz -6',
        command: (c) => `pigz -6 -c ${q(c.source)} > ${at(c, 'ref.gz')}`,
        output: (c) => `${c.work}/ref.gz`,
      },
      {
        name: 'dd bs=1M | gzip -9',
        command: (c) => `dd if=${q(c.source)} bs=1M status=none | gzip -9 > ${at(c, 'dd.gz')}`,
        output: (c) => `${c.work}/dd.gz`,
        once: true,
      },
    ],
  },
  {
    name: 'restore',
    async setup(c) {
      const { execFileSync } = await import('node:child_process');
      execFileSync('bash', [
        '-c',
        spillway(`backup ${q(c.source)} ${at(c, 'img.zst')} 2>/dev/null`),
      ]);
    },
    cases: [
      {
        name: 'spillway restore (check, write, read back)',
        command: (c) =>
          `rm -f ${at(c, 'out.img')}; ${spillway(`restore ${at(c, 'img.zst')} ${at(c, 'out.img')} --yes`)} 2>/dev/null`,
        peer: 'zstd -dc > file',
      },
      {
        name: 'spillway restore --no-check --no-verify',
        command: (c) =>
          `rm -f ${at(c, 'out.img')}; ${spillway(`restore ${at(c, 'img.zst')} ${at(c, 'out.img')} --yes --no-check --no-verify`)} 2>/dev/null`,
        peer: 'zstd -dc > file',
      },
      {
        name: 'zstd -dc > file',
        command: (c) =>
          `rm -f ${at(c, 'out.img')}; zstd -dc ${at(c, 'img.zst')} > ${at(c, 'out.img')}`,
      },
    ],
  },
];
