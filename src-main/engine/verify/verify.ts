// `spillway verify IMAGE`: checks an image without writing anything, and names every damaged
// range both in the drive and in the image file.

import type { VerifyResult } from '../../../src-shared/protocol/events.js';
import { openImage } from '../image/open-image.js';
import { runJob, type JobContext } from '../jobs/job-context.js';
import { CodecPool, defaultThreads } from '../pool/codec-pool.js';
import type { SshOptions } from '../endpoints/ssh/connection.js';
import type { AgeKeys } from '../endpoints/age/age-keys.js';
import { checkImage } from './check-image.js';

export interface VerifyOptions {
  image: string;
  threads?: number;
  /** How to reach and trust the machine of an ssh:// image. */
  ssh?: SshOptions;
  /** What opens an encrypted image. */
  age?: AgeKeys;
}

export function verify(options: VerifyOptions, context: JobContext): Promise<VerifyResult> {
  return runJob('verify', context, async (progress) => {
    progress.phase('preparing', `Opening ${options.image}`);
    const image = await openImage(options.image, {
      ...(options.ssh ? { ssh: options.ssh } : {}),
      ...(options.age ? { age: options.age } : {}),
    });
    const pool = new CodecPool(options.threads ?? defaultThreads());
    try {
      progress.phase('verifying', `Checking ${options.image}`);
      progress.start();
      const outcome = await checkImage(image, pool, progress.counters, context.signal);
      return {
        kind: 'verify',
        image: options.image,
        ok: outcome.damage.length === 0,
        checked: outcome.checked,
        size: outcome.size,
        streamSha256: outcome.sha256,
        damage: outcome.damage,
        seconds: progress.elapsedSeconds,
      };
    } finally {
      progress.stop();
      await pool.close();
      await image.input.close();
    }
  });
}
