// A drive's partition table as the restore plan words it: read from the bytes (tables made by
// the real sfdisk), "no partitions" only for a table that was read and lists none, and a
// table that could not be read is said to be that.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openFileReadAt } from '../../test-support/file-read-at.js';
import { sfdiskFile } from '../../test-support/sfdisk-table.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { driveTableFacts, tableFacts, tableWords } from './drive-table.js';

async function factsOf(path: string) {
  const file = await openFileReadAt(path);
  try {
    return await tableFacts(file.read, file.size, 512);
  } finally {
    await file.close();
  }
}

describe('a drive’s partition table, in facts and words', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('counts the partitions a GPT lists', async () => {
    const path = await sfdiskFile(
      dir.path,
      'three.bin',
      32,
      'label: gpt\nsize=4MiB\nsize=4MiB\nsize=4MiB\n',
    );
    const facts = await factsOf(path);
    expect(facts).toEqual({ state: 'read', type: 'gpt', partitions: 3 });
    expect(tableWords(facts)).toBe('3 partitions');
  });

  it('says "no partitions" only of a table read and empty', async () => {
    const empty = await sfdiskFile(dir.path, 'empty.bin', 8, 'label: gpt\n');
    const facts = await factsOf(empty);
    expect(facts).toEqual({ state: 'read', type: 'gpt', partitions: 0 });
    expect(tableWords(facts)).toContain('no partitions');

    const blank = join(dir.path, 'blank.bin');
    await writeFile(blank, Buffer.alloc(2 ** 20));
    expect(await factsOf(blank)).toEqual({ state: 'none' });
    expect(tableWords({ state: 'none' })).toBe('no partition table');
  });

  it('says a table that could not be read could not be read', async () => {
    const facts = await driveTableFacts(join(dir.path, 'gone.bin'), 2 ** 20, 512);
    expect(facts.state).toBe('unreadable');
    expect(tableWords(facts)).toMatch(/^a partition table that could not be read \(ENOENT/);
    expect(tableWords(facts)).not.toContain('no partitions');
    // A drive shorter than its table says: a table not believed, not "no table".
    const three = await sfdiskFile(dir.path, 'cut.bin', 32, 'label: gpt\nsize=4MiB\n');
    expect(await driveTableFacts(three, 1024, 512)).toEqual({
      state: 'unreadable',
      why: 'partition table: the GPT describes a larger disk',
    });
  });
});
