// When the system refuses even root, the advice is not "run as root". As root, a restore into
// a file made immutable (chattr +i: the kernel refuses to open it for writing, whoever asks)
// fails before writing, says what was refused, and words the next step for someone who is
// root already, on the command line and in the app. The same remedy serves the drive the
// computer runs from in a container whose device rules forbid reading it.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemOf } from '../../src-renderer/words/error-words.js';
import { ApiError } from '../../src-shared/api-client.js';
import { spillway } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import { isRoot } from '../test-support/root.js';
import { q, sh, shStatus } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';
import { accessRemedy, toErrorInfo } from '../engine/errors.js';

const MiB = 2 ** 20;

describe.skipIf(!isRoot)(`refused even to root (${isRoot ? 'root' : 'needs root'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: string;
  let target: string;

  beforeAll(async () => {
    dir = await tempDir();
    const source = join(dir.path, 'source.bin');
    await randomFile(source, 2 * MiB, 'refused');
    image = join(dir.path, 'source.img.zst');
    const made = await spillway(['backup', source, image]);
    expect(made.code, made.stderr).toBe(0);
    target = join(dir.path, 'target.bin');
    await writeFile(target, 'keep me');
    await sh(`chattr +i ${q(target)}`);
  });

  afterAll(async () => {
    if (target) await shStatus(`chattr -i ${q(target)}`);
    await dir?.remove();
  });

  it('the command line says root was refused too, and writes nothing', async () => {
    const result = await spillway(['restore', image, target, '--yes']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`Not allowed to write to ${target}.`);
    expect(result.stderr).toContain('runs as root already');
    expect(result.stderr).not.toMatch(/sudo|run it as root/);
    expect(await readFile(target, 'utf8')).toBe('keep me');
  });

  it('the app words the same refusal without the advice to become administrator', () => {
    expect(accessRemedy()).toBe('refused-to-admin');
    const refused = Object.assign(new Error('EPERM'), { code: 'EPERM', path: target });
    const info = toErrorInfo(refused);
    const problem = problemOf(new ApiError(info));
    expect(problem.message).toBe(`Permission denied (${target}).`);
    expect(problem.hint).toMatch(/already has administrator rights/);
    expect(problem.hint).not.toMatch(/start Spillway as an administrator|--/);
  });
});
