// A real OpenSSH server for tests, on 127.0.0.1 with throwaway keys: its own host key, one
// authorized user key, a known_hosts that vouches for it. Needs root (sshd's privilege
// separation) and Debian's openssh-server.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot } from './root.js';
import { q, sh } from './shell.js';

const SSHD = '/usr/sbin/sshd';

export const noSshdReason: string | null = !isRoot
  ? 'needs root to run sshd'
  : !existsSync(SSHD)
    ? 'needs openssh-server (/usr/sbin/sshd)'
    : null;

export interface SshServer {
  port: number;
  user: string;
  /** The private key the server accepts. */
  identity: string;
  /** A known_hosts file holding the server's key. */
  knownHosts: string;
  /** A known_hosts file holding another key for the same host and port. */
  wrongKnownHosts: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function keypair(path: string): Promise<string> {
  await sh(`ssh-keygen -q -t ed25519 -N '' -C spillway-test -f ${q(path)}`);
  return (await readFile(`${path}.pub`, 'utf8')).trim();
}

/** "[127.0.0.1]:PORT ssh-ed25519 AAAA…" from a .pub line. */
function knownHostsEntry(port: number, pub: string): string {
  const [type, key] = pub.split(' ');
  return `[127.0.0.1]:${port} ${type} ${key}\n`;
}

export async function startSshServer(dir: string): Promise<SshServer> {
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const hostPub = await keypair(join(dir, 'host_key'));
  const otherPub = await keypair(join(dir, 'other_host_key'));
  const userPub = await keypair(join(dir, 'user_key'));
  await writeFile(join(dir, 'authorized_keys'), `${userPub}\n`, { mode: 0o600 });
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, knownHostsEntry(port, hostPub));
  const wrongKnownHosts = join(dir, 'wrong_known_hosts');
  await writeFile(wrongKnownHosts, knownHostsEntry(port, otherPub));

  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: 'ignore' });
  await waitForPort(port, child);
  return {
    port,
    user: userInfo().username,
    identity: join(dir, 'user_key'),
    knownHosts,
    wrongKnownHosts,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
  };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error('sshd did not start listening');
}
