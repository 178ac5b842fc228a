// `spillway mount IMAGE DIR` and `spillway unmount DIR` (Linux, root): the engine mounts
// (engine/mount/); this says what appeared where and keeps serving until unmounted.

import type { Logger } from '../log/logger.js';
import { mountImage } from '../engine/mount/mount-image.js';
import { unmountFolder } from '../engine/mount/unmount-folder.js';
import { SpillwayError } from '../engine/index.js';
import { EXIT } from './exit-codes.js';

export async function mountCommand(
  image: string,
  dir: string,
  flags: { threads?: number; log: Logger },
): Promise<number> {
  if (process.platform !== 'linux') {
    throw new SpillwayError('usage', 'Mounting images works on Linux only, for now.');
  }
  let damagedReads = 0;
  const mount = await mountImage(image, dir, {
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
    onReadError: (error) => {
      damagedReads++;
      flags.log.warn('a read of the mounted image failed', error);
    },
  });
  const out = process.stdout;
  for (const m of mount.mounted) {
    out.write(`Mounted partition ${m.index} (${m.filesystem}) read-only at ${m.folder}\n`);
  }
  for (const s of mount.skipped) {
    out.write(
      `Partition ${s.index}${s.filesystem ? ` (${s.filesystem})` : ''} is not mounted: ${s.reason}.\n`,
    );
  }
  if (mount.mounted.length === 0) out.write('No partition could be mounted.\n');
  out.write(
    `Serving the image: leave this running. \`spillway unmount ${mount.dir}\` or Ctrl-C undoes it.\n`,
  );
  const stop = () =>
    void mount.unmount().catch((e: unknown) => flags.log.error('unmount failed', e));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  await mount.ended;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  process.off('SIGHUP', stop);
  out.write(`Unmounted ${mount.dir}.\n`);
  if (damagedReads > 0) {
    process.stderr.write(
      `${damagedReads} reads failed: the image is damaged there (spillway verify names where).\n`,
    );
  }
  return EXIT.ok;
}

export async function unmountCommand(dir: string): Promise<number> {
  const { image } = await unmountFolder(dir);
  process.stdout.write(`Unmounted ${image} from ${dir}; nothing of it is left attached.\n`);
  return EXIT.ok;
}
