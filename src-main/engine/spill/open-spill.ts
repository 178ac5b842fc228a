// Setting up a job's spill buffer: which folder, its limits, and the checks that keep it safe
// (never on the drive being read; a floor of free space the spill never goes below).

import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { Remedy } from '../../../src-shared/errors.js';
import { disksUnderDevnum, disksUnderPath } from '../device/mounts.js';
import { SpillwayError } from '../errors.js';
import type { SlotArena } from '../pool/slot-arena.js';
import { createRunDir } from './spill-dir.js';
import { FramePacker } from './frame-packer.js';
import { SegmentStore } from './segment-store.js';
import { SpillBuffer } from './spill-buffer.js';
import { defaultKeepFree, type SpillLimits } from './spill-policy.js';

export interface SpillSettings {
  /** Folder for spill segments; the system temp folder when not given. */
  dir?: string;
  /** Most bytes on disk (default: no cap but the free-space floor). */
  max?: number;
  /** Bytes to keep free on the spill volume (default: 5% or 2 GiB, whichever is more). */
  keepFree?: number;
  /** Store spilled frames compressed: less disk for data that compresses. */
  compress?: boolean;
}

export interface OpenedSpill {
  buffer: SpillBuffer;
  limits: SpillLimits | null;
  /** The folder the spill writes to; null when it keeps frames in memory only. */
  dir: string | null;
  /** Removes the spill folder (success, error and cancel alike). */
  dispose(): Promise<void>;
}

export async function openSpill(input: {
  settings: SpillSettings | false;
  /** The device being read, when there is one: the spill must not live on it. */
  sourceDevnum: string | null;
  arena: SlotArena;
  memoryFrames: number;
  /** Bytes per frame (the packer's buffer is sized for one). */
  frameSize: number;
  signal: AbortSignal;
  warn(message: string, remedy?: Remedy): void;
}): Promise<OpenedSpill> {
  const memoryOnly = (): OpenedSpill => ({
    buffer: new SpillBuffer({ ...input, store: null, limits: null }),
    limits: null,
    dir: null,
    dispose: async () => {},
  });
  const { settings } = input;
  if (settings === false) return memoryOnly();

  const dir = resolve(settings.dir ?? tmpdir());
  if (input.sourceDevnum) {
    const source = await disksUnderDevnum(input.sourceDevnum, 0, false);
    const shared = [...(await disksUnderPath(dir))].filter((disk) => source.has(disk));
    if (shared.length > 0) {
      const message = `The spill folder ${dir} is on the drive being read (${shared.join(', ')}).`;
      if (settings.dir) {
        throw new SpillwayError('destination-on-source', message, {
          facts: { folder: dir },
          remedy: 'choose-spill-folder',
        });
      }
      input.warn(`${message} The spill buffer is off.`, 'choose-spill-folder');
      return memoryOnly();
    }
  }
  let volume;
  try {
    volume = await statfs(dir);
  } catch {
    throw new SpillwayError('not-found', `The spill folder ${dir} does not exist.`);
  }
  const limits: SpillLimits = {
    cap: settings.max ?? Infinity,
    keepFree: settings.keepFree ?? defaultKeepFree(volume.blocks * volume.bsize),
  };
  const store = new SegmentStore(await createRunDir(dir));
  return {
    buffer: new SpillBuffer({
      ...input,
      store,
      limits,
      packer: settings.compress ? new FramePacker(input.frameSize) : null,
    }),
    limits,
    dir,
    dispose: () => store.dispose(),
  };
}
