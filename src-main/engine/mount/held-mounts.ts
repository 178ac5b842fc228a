// The images a long-running process (the app's privileged helper, an in-process runner) keeps
// mounted for a UI, by folder: each mount's folder is removed once it is undone, however that
// happens (asked, the process ending, its nbdfuse gone), so nothing of it is left behind.

import { rmdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AgeKeys } from '../endpoints/age/age-keys.js';
import { SpillwayError } from '../errors.js';
import { mountImage, type Mounted } from './mount-image.js';
import { unmountFolder } from './unmount-folder.js';

/** What a UI is told about a mount: facts, worded by the UI. */
export interface HeldMount {
  image: string;
  folder: string;
  partitions: Array<{ index: number; filesystem: string | null; folder: string }>;
  skipped: Array<{ index: number; filesystem: string | null; reason: string }>;
}

export class HeldMounts {
  private readonly held = new Map<string, { mount: Mounted; facts: HeldMount }>();

  /** Mounts `image` into the existing empty `folderGiven`; needs root, on Linux. */
  async mount(
    image: string,
    folderGiven: string,
    options: { onReadError?: (error: unknown) => void; age?: AgeKeys } = {},
  ): Promise<HeldMount> {
    if (process.platform !== 'linux') {
      throw new SpillwayError('usage', 'Mounting images works on Linux only, for now.');
    }
    const folder = resolve(folderGiven);
    const mount = await mountImage(image, folder, options);
    const facts: HeldMount = {
      image,
      folder: mount.dir,
      partitions: mount.mounted.map((m) => ({
        index: m.index,
        filesystem: m.filesystem,
        folder: m.folder,
      })),
      skipped: mount.skipped.map((s) => ({ ...s })),
    };
    this.held.set(folder, { mount, facts });
    void mount.ended.then(async () => {
      this.held.delete(folder);
      await rmdir(folder).catch(() => {});
    });
    return facts;
  }

  list(): HeldMount[] {
    return [...this.held.values()].map((h) => h.facts);
  }

  /**
   * Undoes the mount in `folderGiven` and removes the folder. A mount this process does not
   * hold (made by a helper that died) is undone from the record it left in the folder.
   */
  async unmount(folderGiven: string): Promise<void> {
    const folder = resolve(folderGiven);
    const held = this.held.get(folder);
    if (held) {
      await held.mount.unmount();
      this.held.delete(folder);
    } else {
      await unmountFolder(folder);
    }
    await rmdir(folder).catch(() => {});
  }

  /** Undoes every mount (the process is ending); the first failure is thrown after all ran. */
  async unmountAll(): Promise<void> {
    const results = await Promise.allSettled(
      [...this.held.keys()].map((folder) => this.unmount(folder)),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}
