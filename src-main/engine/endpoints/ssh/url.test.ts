import { describe, expect, it } from 'vitest';
import { SpillwayError } from '../../errors.js';
import { parseSshUrl, shellQuote } from './url.js';

describe('ssh:// addresses', () => {
  it('reads user, host, port and path', () => {
    expect(parseSshUrl('ssh://ann@nas.lan:2222/backups/disk.img.zst')).toEqual({
      user: 'ann',
      host: 'nas.lan',
      port: 2222,
      path: '/backups/disk.img.zst',
    });
    expect(parseSshUrl('ssh://ann@[::1]/~/disk.img.zst')).toMatchObject({
      host: '::1',
      port: 22,
      path: 'disk.img.zst',
    });
  });

  it('refuses what it cannot use, with words', () => {
    for (const bad of ['ssh://nas/disk.img', 'ssh://ann@nas/', 'ssh://ann:pw@nas/x.img']) {
      expect(() => parseSshUrl(bad)).toThrow(SpillwayError);
    }
  });

  it('quotes paths for the remote shell', () => {
    expect(shellQuote("/a b/it's.img")).toBe(`'/a b/it'\\''s.img'`);
  });
});
