// Backup to and restore from another machine over SSH, against a real OpenSSH server on
// 127.0.0.1 with throwaway keys; host keys checked against known_hosts.

import { existsSync } from 'node:fs';
import { appendFile, copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spillway } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import { q, sh } from '../test-support/shell.js';
import { noSshdReason, startSshServer, type SshServer } from '../test-support/ssh-server.js';
import { tempDir } from '../test-support/temp-dir.js';

const MIB = 2 ** 20;

describe.skipIf(noSshdReason)(`over SSH (${noSshdReason ?? 'real sshd'})`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: SshServer;
  let source: string;
  let remoteDir: string;
  const url = (path: string) => `ssh://${server.user}@127.0.0.1:${server.port}${path}`;
  const auth = () => ['--identity', server.identity, '--known-hosts', server.knownHosts];

  beforeAll(async () => {
    dir = await tempDir();
    server = await startSshServer(dir.path);
    source = join(dir.path, 'disk.bin');
    await randomFile(source, 24 * MIB, 'ssh-disk');
    await appendFile(source, Buffer.alloc(16 * MIB));
    // The "remote" side is this machine: a folder the server writes into.
    remoteDir = join(dir.path, 'remote');
    await sh(`mkdir -p ${q(remoteDir)}`);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await dir?.remove();
  });

  it('backs up to the server and restores from it, byte-exact', async () => {
    const remote = join(remoteDir, 'disk.img.zst');
    const made = await spillway(['backup', source, url(remote), ...auth()]);
    expect(made.code, made.stderr).toBe(0);
    expect(existsSync(`${remote}.incomplete`)).toBe(false);
    await sh(`zstd -dc ${q(remote)} | cmp - ${q(source)}`);

    const verified = await spillway(['verify', url(remote), ...auth()]);
    expect(verified.code, verified.stderr).toBe(0);
    const target = join(dir.path, 'restored.bin');
    const restored = await spillway(['restore', url(remote), target, '--yes', ...auth()]);
    expect(restored.code, restored.stderr).toBe(0);
    await sh(`cmp ${q(source)} ${q(target)}`);
  });

  it('refuses to replace an image on the server without --force', async () => {
    const remote = join(remoteDir, 'exists.img.zst');
    await writeFile(remote, 'precious');
    const again = await spillway(['backup', source, url(remote), ...auth()]);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/already exists/);
    expect(await readFile(remote, 'utf8')).toBe('precious');
  });

  it('refuses a server whose key is not the one in known_hosts, sending nothing', async () => {
    const remote = join(remoteDir, 'never.img.zst');
    const result = await spillway([
      'backup',
      source,
      url(remote),
      '--identity',
      server.identity,
      '--known-hosts',
      server.wrongKnownHosts,
      '--accept-new-host-key',
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/is not the one in .*intercepting/);
    expect(existsSync(remote)).toBe(false);
    expect(existsSync(`${remote}.incomplete`)).toBe(false);
  });

  it('refuses an unknown server unless --accept-new-host-key, which remembers it', async () => {
    const fresh = join(dir.path, 'fresh_known_hosts');
    await writeFile(fresh, '');
    const args = ['inspect', url(join(remoteDir, 'disk.img.zst')), '--identity', server.identity];
    const refused = await spillway([...args, '--known-hosts', fresh]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/is not in .*fresh_known_hosts/);

    const accepted = await spillway([...args, '--known-hosts', fresh, '--accept-new-host-key']);
    expect(accepted.code, accepted.stderr).toBe(0);
    const remembered = await readFile(fresh, 'utf8');
    expect(remembered).toMatch(/^\|1\|\S+ ssh-ed25519 \S+\n$/);
    // Hashed as OpenSSH hashes it: its own ssh-keygen finds the entry.
    await sh(`ssh-keygen -F '[127.0.0.1]:${server.port}' -f ${q(fresh)} | grep -q ssh-ed25519`);
    const again = await spillway([...args, '--known-hosts', fresh]);
    expect(again.code, again.stderr).toBe(0);
    await copyFile(fresh, join(dir.path, 'kept_known_hosts'));
  });
});
