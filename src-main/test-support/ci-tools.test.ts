// The suite skips a test whose tool is missing, saying why; CI must not skip any. `.ci/run`
// sets SPILLWAY_CI=1 so that a tool it forgot to install fails here, by name, instead of
// silently turning a capability's tests into skips (this happened with nbdfuse and age).

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Every program a test or the engine runs, by the package `.ci/run` installs it from. */
const TOOLS: Record<string, string> = {
  zstd: 'zstd',
  gzip: 'gzip',
  xz: 'xz-utils',
  lz4: 'lz4',
  pigz: 'pigz',
  'partclone.ext4': 'partclone',
  xxhsum: 'xxhash',
  sfdisk: 'fdisk',
  losetup: 'util-linux',
  mount: 'mount',
  'mkfs.vfat': 'dosfstools',
  mcopy: 'mtools',
  'mkfs.ext4': 'e2fsprogs',
  'mkfs.exfat': 'exfatprogs',
  'mount.exfat-fuse': 'exfat-fuse',
  'mkfs.ntfs': 'ntfs-3g',
  ntfsfix: 'ntfs-3g',
  fusermount3: 'fuse3',
  openssl: 'openssl',
  sshd: 'openssh-server',
  chromium: 'chromium',
  age: 'age',
  'age-keygen': 'age',
  nbdfuse: 'libnbd-bin',
  fatresize: 'fatresize',
};

const missing = (): string[] =>
  Object.entries(TOOLS)
    .filter(([tool]) => {
      try {
        execFileSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`], {
          stdio: 'ignore',
        });
        return false;
      } catch {
        return true;
      }
    })
    .map(([tool, pkg]) => `${tool} (Debian package ${pkg})`);

describe.skipIf(process.env.SPILLWAY_CI !== '1')('tools CI needs (SPILLWAY_CI=1)', () => {
  it('has every program the tests run, so none of them is skipped for a missing tool', () => {
    expect(missing()).toEqual([]);
  });
});
