// Page alignment, checked by the kernel itself: a read with O_DIRECT is refused (EINVAL) into
// a buffer that does not start on a block boundary. Buffers and arena slots from
// page-aligned.ts must be accepted; the same buffer 16 bytes in (where malloc's large blocks
// start) must be refused, which shows that the check can fail.

import { constants } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test-support/temp-dir.js';
import { SlotArena } from '../pool/slot-arena.js';
import { pageAlignedBuffer, pageAlignedSharedMemory } from './page-aligned.js';

describe('page-aligned memory', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let file: string;

  beforeAll(async () => {
    dir = await tempDir();
    file = join(dir.path, 'blocks');
    await writeFile(file, Buffer.alloc(64 * 1024, 0x33));
  });
  afterAll(() => dir?.remove());

  /** Reads the first 4 KiB of the file into `into` without the page cache. */
  async function directRead(into: Uint8Array): Promise<'read' | 'refused'> {
    const handle = await open(file, constants.O_RDONLY | constants.O_DIRECT);
    try {
      const { bytesRead } = await handle.read(into, 0, 4096, 0);
      expect(bytesRead).toBe(4096);
      expect(into[0]).toBe(0x33);
      return 'read';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EINVAL') return 'refused';
      throw error;
    } finally {
      await handle.close();
    }
  }

  it('gives buffers and shared memory that start on a page, zero-filled', async () => {
    const buffer = pageAlignedBuffer(10_000);
    expect(buffer.byteLength).toBe(10_000);
    expect(buffer.every((b) => b === 0)).toBe(true);
    expect(await directRead(buffer)).toBe('read');
    expect(await directRead(buffer.subarray(16))).toBe('refused');

    const shared = pageAlignedSharedMemory(10_000);
    expect(shared).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.byteLength).toBeGreaterThanOrEqual(10_000);
    expect(await directRead(new Uint8Array(shared, 0, 8192))).toBe('read');
  });

  it('starts every slot of an arena on a page, whatever the slot size', async () => {
    const arena = new SlotArena(5000, 3);
    expect(arena.stride).toBe(8192);
    for (let i = 0; i < 3; i++) {
      const slot = await arena.acquire();
      expect(await directRead(slot.bytes(4096))).toBe('read');
    }
  });
});
