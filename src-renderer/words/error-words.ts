// An engine error in the app's words: what happened (the engine's message, which names no
// flag) and the next step, worded from its remedy code for a person who has this app and no
// command line: buttons, settings and places in the app, never flags or commands.

import { ApiError } from '../../src-shared/api-client.js';
import {
  factBytes,
  factText,
  type ErrorInfo,
  type Facts,
  type Remedy,
} from '../../src-shared/errors.js';

export interface Problem {
  message: string;
  hint: string | null;
}

const text = factText;
const bytes = factBytes;

/** What to do next, in the app. */
export function appRemedy(remedy: Remedy, facts: Facts = {}): string {
  switch (remedy) {
    case 'run-as-admin':
      return 'Reading and writing whole drives needs administrator rights: start Spillway as an administrator.';
    case 'refused-to-admin':
      return 'Spillway already has administrator rights and the system still refuses: a security setting of this computer (or of the container it runs in) protects it. Choose another drive or file.';
    case 'overwrite':
      return 'Choose another file name or folder: the image would replace a file that is there.';
    case 'overwrite-and-merge':
      return 'Choose another folder to copy into, or move away what is in the way.';
    case 'choose-other-destination':
      return 'Choose a folder on another drive for the image.';
    case 'free-space': {
      const need = bytes(facts, 'need');
      const volume = text(facts, 'volume', 'that disk');
      return `Free ${need ? `about ${need}` : 'space'} on ${volume}, or choose a folder on another disk.`;
    }
    case 'choose-roomier-folder':
      return 'Choose a folder on a disk with more free space, or fewer files.';
    case 'larger-parts':
      return 'Save the image on a disk that holds large files (not FAT32), so it needs fewer parts.';
    case 'skip-unreadable':
      return 'The drive may be failing: back it up again soon; Spillway copies around unreadable sectors and lists them.';
    case 'replug-and-retry':
      return 'Plug the drive back in and start again; if it fails again, the drive is failing.';
    case 'replug-and-resume':
      return 'Nothing was kept: plug the drive back in and start the backup again.';
    case 'try-another-drive':
      return 'The drive may be failing: try again, or choose another drive.';
    case 'choose-drive-again':
      return 'Choose the drive again: it may have been unplugged and another plugged in.';
    case 'unmount-target':
      return 'Eject its partitions in your file manager and close programs using it, then try again.';
    case 'choose-other-target':
      return facts['image'] !== undefined
        ? 'Copy the image to another drive first, or choose a different drive to restore to.'
        : 'Choose another drive to restore to.';
    case 'turn-off-write-protection':
      return 'Turn off its write protection (a switch on some SD cards and USB sticks), or choose another drive.';
    case 'choose-larger-target':
      return 'Choose a drive at least as large as the one the image was made from.';
    case 'use-another-copy':
      return 'Use another copy of the image if you have one.';
    case 'verify-image':
      return 'Verify the image (under Images) to see every damaged range; use another copy if you have one.';
    case 'remove-index-file':
      return `Move ${text(facts, 'index', 'the index file')} out of its folder to restore ${text(facts, 'image', 'the image')} without it, in one pass and unchecked.`;
    case 'rename-plain-image':
      return 'An uncompressed image’s name must end in .img: rename it, then choose it again.';
    case 'find-missing-part':
      return `A part may be missing: is there a ${text(facts, 'part', 'part with the next number')}? Copy it into the folder with the others.`;
    case 'pick-image-file':
      return 'Choose the image file inside it (for example disk.img.zst).';
    case 'rebackup-from-stream':
      return 'Decompress it with the program that made it, then back up the result with Spillway (Back up, “Or an image file”).';
    case 'name-image-place':
      return 'Choose a file or folder inside the image.';
    case 'resume':
      return 'Start the backup again to make a complete image.';
    case 'start-without-resume':
      return 'Start a new backup.';
    case 'use-raw-mode':
      return 'Back up again choosing “An exact copy of every byte”.';
    case 'use-used-mode':
      return 'Back up again choosing “Only what the filesystems use”.';
    case 'use-same-frame-size': {
      const size = bytes(facts, 'frameSize');
      return `Back up again choosing the same frame size${size ? ` (${size})` : ''} under Advanced.`;
    }
    case 'choose-spill-folder':
      return 'Choose a spill folder on another drive (Back up, Destination, Advanced).';
    case 'fix-ssh-address':
      return 'Write the address as ssh://user@host:port/path/to/disk.img.zst.';
    case 'accept-host-key':
      return 'Connect to the server once with ssh to check its key, then try again.';
    case 'update-known-hosts':
      return `If ${text(facts, 'host', 'the server')} was reinstalled, remove its old key from ${text(facts, 'knownHosts', 'known_hosts')}, then connect once with ssh.`;
    case 'add-ssh-key':
      return 'Start ssh-agent with your key, then try again.';
    case 'load-ssh-key':
      return 'Load it into ssh-agent (ssh-add), then try again.';
    case 'check-ssh-login':
      return 'Check the user name, and that your key is in the server’s authorized_keys.';
    case 'unmount-image-first':
      return 'Choose an empty folder, or close the image mounted there first.';
    case 'close-and-unmount-again':
      return 'Close the program using it, then try again.';
    case 'install-program':
      return `Install ${text(facts, 'program', 'it')} (on Debian and Ubuntu: the ${text(facts, 'package', 'package of that name')} package), then try again.`;
    case 'give-passphrase':
      return 'It is encrypted with a password: type the password in the field Spillway shows for it, then choose Open.';
    case 'give-age-key':
      return 'It was encrypted for an age key, not a password: choose that key’s file (made by age-keygen) in the field Spillway shows for it, then choose Open.';
    case 'image-cut-short':
      return 'The file was cut while being copied, or the backup did not finish: use another copy if you have one.';
    case 'start-again':
      return 'Start it again.';
    case 'read-log':
      return `The details are in ${text(facts, 'log', 'the app’s log')}.`;
  }
}

/** An error that crossed from the engine, in the app's words. */
export function problemFromInfo(info: ErrorInfo): Problem {
  return {
    message: info.message,
    hint: info.remedy ? appRemedy(info.remedy, info.facts ?? {}) : null,
  };
}

export function problemOf(error: unknown): Problem {
  if (error instanceof ApiError) return problemFromInfo(error.info);
  return { message: error instanceof Error ? error.message : String(error), hint: null };
}
