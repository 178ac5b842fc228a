// Ejecting a drive after a restore, so the user can unplug it: the kernel's buffers are
// flushed, then util-linux `eject` asks the drive to stop (USB sticks, card readers, discs).
// Virtual disks (loop devices) have nothing to eject and are never handed to `eject`.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface EjectResult {
  ejected: boolean;
  /** What happened, in words, and what the user may do now. */
  message: string;
}

export async function ejectDrive(path: string, virtual: boolean): Promise<EjectResult> {
  // Every write was synced when the restore ended; this only drops cached pages.
  await run('blockdev', ['--flushbufs', path]).catch(() => {});
  if (virtual) {
    return {
      ejected: false,
      message: `${path} is a virtual disk: there is nothing to eject. Everything is written.`,
    };
  }
  try {
    await run('eject', [path], { timeout: 30_000 });
    return { ejected: true, message: `${path} was ejected: you can unplug it now.` };
  } catch (error) {
    const said = String((error as { stderr?: string }).stderr ?? '').trim();
    return {
      ejected: false,
      message:
        `${path} could not be ejected${said ? ` (${said})` : ''}. Everything is written; ` +
        'use your system’s "Safely remove" before unplugging it.',
    };
  }
}
