// `spillway --log FILE` and `--verbose`: the log of a real failed command holds the command,
// its steps and the error's stack with its cause; an unexpected error tells where that is.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spillway } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import { tempDir } from '../test-support/temp-dir.js';

describe('the command’s log', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let source: string;
  beforeAll(async () => {
    dir = await tempDir();
    source = join(dir.path, 'source.img');
    await randomFile(source, 2 ** 20, 'log');
  });
  afterAll(() => dir?.remove());

  it('is a global option, shown in --help', async () => {
    const help = await spillway(['--help']);
    expect(help.stdout).toMatch(/--log <file>/);
    expect(help.stdout).toMatch(/--verbose/);
  });

  it('keeps the stack of an unexpected error and its cause, and the error says where', async () => {
    const log = join(dir.path, 'unexpected.log');
    // A destination inside a file: the engine has no words for that (ENOTDIR).
    const result = await spillway(['--log', log, 'backup', source, `${source}/x.img.zst`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^spillway: Unexpected error: ENOTDIR/m);
    expect(result.stderr).toContain(`The details (where in Spillway it happened) are in ${log}.`);
    const text = await readFile(log, 'utf8');
    expect(text).toMatch(/INFO {2}\[cli \d+\] spillway .*: --log .* backup /);
    expect(text).toMatch(/ERROR \[cli \d+\] failed: Unexpected error: ENOTDIR/);
    // The cause's own stack: where in the engine the open failed.
    expect(text).toMatch(
      /caused by: Error: ENOTDIR[^\n]*\n(\s+at [^\n]+\n)*\s+at [^\n]*endpoints\/file\/sink/,
    );
    expect(text).toMatch(/ended with exit code 1\n$/);
  });

  it('keeps the stack of an expected failure too (a source that does not exist)', async () => {
    const log = join(dir.path, 'missing.log');
    const result = await spillway([
      'backup',
      join(dir.path, 'no-such-drive'),
      join(dir.path, 'x.img.zst'),
      '--log',
      log,
    ]);
    expect(result.code).not.toBe(0);
    // Not unexpected: no word about details.
    expect(result.stderr).not.toMatch(/details/);
    const text = await readFile(log, 'utf8');
    expect(text).toMatch(/ERROR \[cli \d+\] failed: .*no-such-drive/);
    expect(text).toMatch(/\n {4}at /);
  });

  it('without --log, an unexpected error says how to keep the details; --verbose shows them', async () => {
    const quiet = await spillway(['backup', source, `${source}/x.img.zst`]);
    expect(quiet.stderr).toContain('run the command again with --log FILE');
    const verbose = await spillway(['backup', source, `${source}/x.img.zst`, '--verbose']);
    expect(verbose.stderr).toMatch(/DEBUG|INFO/);
    expect(verbose.stderr).toMatch(/caused by: Error: ENOTDIR/);
  });

  it('a log file that cannot be written is said before anything is done', async () => {
    const result = await spillway(['--log', join(dir.path, 'no', 'such', 'folder.log'), 'drives']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the log file cannot be written/);
  });
});
