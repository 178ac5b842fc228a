// The app words every remedy for a person without a command line: no flag, no spillway
// command; an existing destination is met by choosing another name, not by a flag.

import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src-shared/api-client.js';
import { REMEDIES } from '../../src-shared/errors.js';
import { cliRemedy } from '../../src-main/cli/error-words.js';
import { appRemedy, problemOf } from './error-words.js';

const FACTS = {
  path: '/backups/disk.img.zst',
  volume: '/media/usb',
  need: 3 * 2 ** 30,
  image: '/backups/disk.img.zst',
  index: '/backups/disk.img.xz.spillway',
  part: 'disk.img.zst.003',
  frameSize: 4 * 2 ** 20,
  host: 'nas',
  knownHosts: '/root/.ssh/known_hosts',
  log: '/home/me/.config/Spillway/logs/spillway.log',
};

describe('the app’s words for engine errors', () => {
  it('name no CLI flag and no spillway command, for any remedy', () => {
    for (const remedy of REMEDIES) {
      const words = appRemedy(remedy, FACTS);
      expect(words, remedy).not.toMatch(/(^|[\s(`'"“])--[a-z]/);
      expect(words, remedy).not.toMatch(/\bspillway (backup|restore|verify|inspect|ls|extract)\b/);
    }
  });

  it('differ from the CLI’s where the CLI names a flag', () => {
    const flagged = REMEDIES.filter((remedy) => /--[a-z]/.test(cliRemedy(remedy, FACTS)));
    expect(flagged).toContain('overwrite');
    expect(flagged).toContain('choose-spill-folder');
    for (const remedy of flagged)
      expect(appRemedy(remedy, FACTS)).not.toBe(cliRemedy(remedy, FACTS));
  });

  it('an existing destination, as an API error: choose another name', () => {
    const problem = problemOf(
      new ApiError({
        code: 'destination-exists',
        message: '/backups/disk.img.zst already exists.',
        facts: { path: '/backups/disk.img.zst' },
        remedy: 'overwrite',
      }),
    );
    expect(problem).toEqual({
      message: '/backups/disk.img.zst already exists.',
      hint: 'Choose another file name or folder: the image would replace a file that is there.',
    });
  });

  it('name the program to install and its package', () => {
    expect(appRemedy('install-program', { program: 'nbdfuse', package: 'libnbd-bin' })).toBe(
      'Install nbdfuse (on Debian and Ubuntu: the libnbd-bin package), then try again.',
    );
  });

  it('say the log’s place for an unexpected error', () => {
    expect(appRemedy('read-log', FACTS)).toBe(`The details are in ${FACTS.log}.`);
  });
});
