// Images kept open between questions about them: a UI lists folder after folder of one image,
// and opening it each time would read its index again and start a codec pool again. An image
// left alone for IDLE_MS is closed; at most MAX_OPEN are open at once; a file changed since
// it was opened (another size, time or inode) is opened again. An encrypted image is kept
// under what opened it too: another passphrase (or none) opens it again, so a wrong one is
// always refused and an image opened once is not readable without its key afterwards.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { AgeKeys } from '../endpoints/age/age-keys.js';
import { isSshUrl } from '../endpoints/ssh/url.js';
import { ImageBrowser } from './image-browser.js';

const IDLE_MS = 60_000;
const MAX_OPEN = 2;

interface Kept {
  browser: Promise<ImageBrowser>;
  /** Size, time and inode of the file when opened; null for ssh:// and split images. */
  identity: string | null;
  users: number;
  timer: NodeJS.Timeout | null;
}

async function identityOf(path: string): Promise<string | null> {
  if (isSshUrl(path)) return null;
  const st = await stat(path).catch(() => null);
  return st ? `${st.size}:${st.mtimeMs}:${st.ino}` : null;
}

export class BrowserCache {
  private readonly kept = new Map<string, Kept>();

  constructor(
    private readonly idleMs = IDLE_MS,
    private readonly maxOpen = MAX_OPEN,
  ) {}

  /** Runs `work` with `image` open for browsing (`age`: what opens it). */
  async use<T>(
    image: string,
    work: (browser: ImageBrowser) => Promise<T>,
    age?: AgeKeys,
  ): Promise<T> {
    const identity = await identityOf(image);
    const slot = age ? `${image}\0${keysDigest(age)}` : image;
    let kept = this.kept.get(slot);
    if (kept && kept.identity !== identity && kept.users === 0) {
      void this.drop(slot, kept);
      kept = undefined;
    }
    if (!kept) {
      this.makeRoom();
      kept = {
        browser: ImageBrowser.open(image, age ? { age } : {}),
        identity,
        users: 0,
        timer: null,
      };
      this.kept.set(slot, kept);
      const opened = kept;
      // An image that failed to open is not kept.
      opened.browser.catch(() => {
        if (this.kept.get(slot) === opened) this.kept.delete(slot);
      });
    }
    kept.users++;
    if (kept.timer) clearTimeout(kept.timer);
    kept.timer = null;
    try {
      return await work(await kept.browser);
    } finally {
      kept.users--;
      if (kept.users === 0 && this.kept.get(slot) === kept) {
        const idle = kept;
        idle.timer = setTimeout(() => this.drop(slot, idle), this.idleMs);
        idle.timer.unref();
      }
    }
  }

  /** Closes every image not in use now (the rest close when their work ends). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.kept].map(([path, kept]) => this.drop(path, kept)));
  }

  private makeRoom(): void {
    for (const [path, kept] of this.kept) {
      if (this.kept.size < this.maxOpen) return;
      if (kept.users === 0) void this.drop(path, kept);
    }
  }

  private async drop(path: string, kept: Kept): Promise<void> {
    if (this.kept.get(path) === kept) this.kept.delete(path);
    if (kept.timer) clearTimeout(kept.timer);
    const browser = await kept.browser.catch(() => null);
    await browser?.close();
  }
}

/** What opened an image, as a digest: the cache's key holds no passphrase. */
function keysDigest(age: AgeKeys): string {
  return createHash('sha256')
    .update(JSON.stringify([age.passphrase ?? null, age.identities ?? []]))
    .digest('hex');
}
