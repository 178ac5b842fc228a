// The command line's words for an engine error: its message (prefixed with the flag it is
// about, when it is about one) and its remedy, which here may name flags and commands. The
// app words the same codes for people without a command line (src-renderer/words/).

import {
  factBytes,
  factText,
  type ErrorInfo,
  type Facts,
  type Remedy,
} from '../../src-shared/errors.js';

/** The flag each option the engine names in `facts.option` is set with. */
const OPTION_FLAGS: Record<string, string> = {
  adapt: '--adapt',
  maxWriteRate: '--max-write-rate',
  split: '--split',
  resume: '--resume',
  base: '--base',
};

const text = factText;
const bytes = factBytes;

/** What to do next, on the command line. */
export function cliRemedy(remedy: Remedy, facts: Facts = {}): string {
  switch (remedy) {
    case 'run-as-admin':
      return 'Reading and writing whole drives needs administrator rights: run it as root (sudo).';
    case 'refused-to-admin':
      return 'This runs as root already and the system still refuses: a security policy (SELinux, AppArmor, a container’s device rules) or an immutable file (chattr +i) protects it.';
    case 'overwrite':
      return 'Choose another name, or add --force to replace it.';
    case 'overwrite-and-merge':
      return 'Add --force to replace files that are there and merge into folders.';
    case 'choose-other-destination':
      return 'Save the image on another drive.';
    case 'free-space': {
      const need = bytes(facts, 'need');
      const volume = text(facts, 'volume', 'that disk');
      return `Free ${need ? `about ${need}` : 'space'} on ${volume}, or save the image on another disk.`;
    }
    case 'choose-roomier-folder':
      return 'Choose a folder on a disk with more free space, or fewer files.';
    case 'larger-parts':
      return 'Choose a larger --split size.';
    case 'skip-unreadable':
      return 'The drive may be failing. To image around unreadable sectors, use --on-read-error skip.';
    case 'replug-and-retry':
      return 'Plug it back in and start again; if it fails again, the drive is failing.';
    case 'replug-and-resume':
      return 'Nothing was kept: plug it back in and start again (or use --keep-partial and --resume).';
    case 'try-another-drive':
      return 'The drive may be failing: try again, or use another drive.';
    case 'choose-drive-again':
      return 'Name the drive again: it may have been unplugged and another plugged in.';
    case 'unmount-target':
      return 'Unmount its partitions (umount) and close programs using it, then try again.';
    case 'choose-other-target':
      return facts['image'] !== undefined
        ? 'Copy the image to another drive first, or restore to a different drive.'
        : 'Restore to another drive.';
    case 'turn-off-write-protection':
      return 'Turn off its write protection (a switch on some SD cards and USB sticks), or choose another drive.';
    case 'choose-larger-target':
      return 'Choose a drive at least as large as the one the image was made from, or a file on a disk with more free space.';
    case 'use-another-copy':
      return 'Use another copy of the image if you have one.';
    case 'verify-image':
      return 'Run `spillway verify` on the image to see every damaged range; use another copy if you have one.';
    case 'remove-index-file':
      return `Move ${text(facts, 'index', 'the index file')} away to restore ${text(facts, 'image', 'the image')} without it, in one pass and unchecked.`;
    case 'rename-plain-image':
      return 'Plain, uncompressed images must be named *.img.';
    case 'find-missing-part':
      return `A part may be missing: is there a ${text(facts, 'part', 'part with the next number')}? Copy it next to the others.`;
    case 'pick-image-file':
      return 'Give the image file inside it (for example disk.img.zst).';
    case 'rebackup-from-stream':
      return (
        'Make a Spillway image of it, which has one: for example ' +
        '`zstd -dc IMAGE | spillway backup - NEW.img.zst` (gzip -dc, xz -dc or lz4 -dc for those).'
      );
    case 'name-image-place':
      return (
        'Write the partition’s number (as `spillway ls IMAGE` lists them), a colon, then the ' +
        'path: 2:/home/me. With one partition of files, /home/me is enough.'
      );
    case 'resume':
      return 'Continue it later with --resume.';
    case 'start-without-resume':
      return 'Start a new backup without --resume.';
    case 'use-raw-mode':
      return 'Resume with --mode raw.';
    case 'use-used-mode':
      return 'Resume with --mode used.';
    case 'use-same-frame-size':
      return `Resume with --frame-size ${text(facts, 'frameSize', 'of the interrupted backup')}.`;
    case 'choose-spill-folder':
      return 'Choose a spill folder on another drive with --spill-dir.';
    case 'fix-ssh-address':
      return 'Write it as ssh://user@host:port/path/to/disk.img.zst';
    case 'accept-host-key':
      return 'Connect once with ssh to check it, or add --accept-new-host-key.';
    case 'update-known-hosts':
      return `If the server was reinstalled, remove its old key (ssh-keygen -R ${text(facts, 'host', 'HOST')}) and connect once with ssh.`;
    case 'add-ssh-key':
      return 'Start ssh-agent with your key, or give one with --identity.';
    case 'load-ssh-key':
      return 'Load it into ssh-agent (ssh-add), then try again.';
    case 'check-ssh-login':
      return 'Check the user name and that the key is in its authorized_keys.';
    case 'unmount-image-first':
      return `Unmount it first: spillway unmount ${text(facts, 'folder', 'FOLDER')}`;
    case 'close-and-unmount-again':
      return 'Close the program using it, then unmount again.';
    case 'install-program':
      return `Install ${text(facts, 'program', 'it')} (Debian and Ubuntu: apt install ${text(facts, 'package', 'PACKAGE')}), then try again.`;
    case 'give-passphrase':
      return 'Give its passphrase with --passphrase-file FILE, or run the command on a terminal to type it.';
    case 'give-age-key':
      return 'Give the secret key with --age-identity FILE (a file made by age-keygen).';
    case 'image-cut-short':
      return 'The file was cut while being copied, or the backup did not finish: use another copy if you have one.';
    case 'start-again':
      return 'Start it again.';
    case 'read-log':
      return `The details are in ${text(facts, 'log', 'the log')}.`;
  }
}

/** The error's line, and the next step's line when there is one. */
export function cliWords(info: ErrorInfo): { message: string; remedy: string | null } {
  const facts = info.facts ?? {};
  const option = facts['option'];
  const flag = typeof option === 'string' ? OPTION_FLAGS[option] : undefined;
  return {
    message: flag ? `${flag}: ${info.message}` : info.message,
    remedy: info.remedy ? cliRemedy(info.remedy, facts) : null,
  };
}
