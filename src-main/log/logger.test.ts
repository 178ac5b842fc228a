// The logger's lines (time, level, source, stacks and causes), its levels, the secrets it
// never writes, and the log file's rotation.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { createLogger, describeError, formatEntry, type LogSink } from './logger.js';
import { rotatedNames, rotatingFile } from './rotating-file.js';

const memory = (): LogSink & { lines: string[] } => {
  const lines: string[] = [];
  return { lines, write: (line) => void lines.push(line) };
};
const at = () => new Date('2026-01-02T03:04:05.678Z');

describe('log lines', () => {
  it('name the time, the level and the source; details are indented below', () => {
    expect(formatEntry(at(), 'warn', 'helper', 'the helper stopped')).toBe(
      '2026-01-02T03:04:05.678Z WARN  [helper] the helper stopped\n',
    );
    const entry = formatEntry(at(), 'error', 'cli', 'backup failed', new Error('boom'));
    expect(entry.split('\n')[1]).toBe('    Error: boom');
    expect(entry).toMatch(/\n {4}at .*logger\.test\.ts/);
  });

  it('give every cause with its stack, a system error’s code and path, and stop at a loop', () => {
    const root = Object.assign(new Error('ENOENT: no such file'), {
      code: 'ENOENT',
      syscall: 'open',
      path: '/nowhere',
    });
    const outer = new Error('Unexpected error: no such file', { cause: root });
    const text = describeError(outer);
    expect(text).toMatch(/^Error: Unexpected error: no such file\n {4}at /);
    expect(text).toContain('caused by: Error: ENOENT: no such file');
    expect(text).toContain('(code ENOENT, syscall open, path /nowhere)');
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(describeError(a)).toContain('caused by: (the same error again)');
    expect(describeError('just a string')).toBe('(thrown, not an Error) just a string');
  });

  it('drop what is below the level, and write no secret, in any line of any child', () => {
    const sink = memory();
    const log = createLogger({ sinks: [sink], source: 'app', level: 'info', now: at });
    log.debug('not written');
    log.info('written');
    log.keepSecret('s3cr3t-0123456789abcdef');
    log
      .child('helper')
      .warn('hello s3cr3t-0123456789abcdef', new Error('x s3cr3t-0123456789abcdef'));
    expect(sink.lines).toHaveLength(2);
    expect(sink.lines[0]).toContain('INFO  [app] written');
    expect(sink.lines[1]).toContain('[app helper] hello [secret]');
    expect(sink.lines.join('')).not.toContain('s3cr3t');
  });
});

describe('the log file', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir?.remove());

  it('is started anew past its size, keeping only so many older files', () => {
    const path = join(dir.path, 'folder', 'spillway.log');
    const sink = rotatingFile(path, { maxBytes: 100, keep: 3 });
    for (let i = 0; i < 10; i++) sink.write(`line ${i} ${'x'.repeat(40)}\n`);
    // Two 47-byte lines fit in 100 bytes: 10 lines make 5 files, of which 3 are kept.
    expect(readFileSync(path, 'utf8')).toMatch(/^line 8 .*\nline 9 .*\n$/);
    const [first, second] = rotatedNames(path, 3);
    expect(readFileSync(first!, 'utf8')).toMatch(/^line 6 .*\nline 7 .*\n$/);
    expect(readFileSync(second!, 'utf8')).toMatch(/^line 4 /);
    expect(existsSync(`${path}.3`)).toBe(false);
  });
});
