// The command line words remedies with its flags, and says which flag a usage error is about.

import { describe, expect, it } from 'vitest';
import { REMEDIES } from '../../src-shared/errors.js';
import { SpillwayError } from '../engine/errors.js';
import { cliRemedy, cliWords } from './error-words.js';

describe('the CLI’s words for engine errors', () => {
  it('an existing destination: add --force', () => {
    const info = new SpillwayError('destination-exists', '/backups/disk.img.zst already exists.', {
      facts: { path: '/backups/disk.img.zst' },
      remedy: 'overwrite',
    }).info();
    expect(cliWords(info)).toEqual({
      message: '/backups/disk.img.zst already exists.',
      remedy: 'Choose another name, or add --force to replace it.',
    });
  });

  it('names the flag a usage error is about', () => {
    const info = new SpillwayError('usage', 'An adaptive level works with zstd only.', {
      facts: { option: 'adapt' },
    }).info();
    expect(cliWords(info).message).toBe('--adapt: An adaptive level works with zstd only.');
  });

  it('words remedies from their facts', () => {
    expect(cliRemedy('free-space', { volume: '/media/usb', need: 3 * 2 ** 30 })).toBe(
      'Free about 3.00 GiB on /media/usb, or save the image on another disk.',
    );
    expect(cliRemedy('use-raw-mode')).toBe('Resume with --mode raw.');
    expect(cliRemedy('choose-spill-folder')).toMatch(/--spill-dir/);
  });

  it('has one line for every remedy', () => {
    for (const remedy of REMEDIES) expect(cliRemedy(remedy)).toMatch(/^\S[^\n]*$/);
  });
});
