// One SSH connection (ssh2, no shelled-out `ssh`): authenticated with the user's agent or
// keys, and only to a server whose host key known_hosts vouches for. An unknown host is
// refused unless the user accepts new keys (then remembered, hashed); a changed key always.

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { SpillwayError } from '../../errors.js';
import { checkHostKey, fingerprint, keyType, knownHostsLine } from './known-hosts.js';
import { describeLocation, type SshLocation } from './url.js';

export interface SshOptions {
  /** known_hosts to check the server against (default ~/.ssh/known_hosts). */
  knownHosts?: string;
  /** Add an unknown host's key to known_hosts instead of refusing it. */
  acceptNewHostKey?: boolean;
  /** A private key file (default: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa). */
  identity?: string;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export class SshConnection {
  private constructor(
    readonly location: SshLocation,
    private readonly client: Client,
  ) {}

  static async open(location: SshLocation, options: SshOptions = {}): Promise<SshConnection> {
    const knownHostsPath = options.knownHosts ?? join(homedir(), '.ssh', 'known_hosts');
    const knownHosts = await readFile(knownHostsPath, 'utf8').catch(() => '');
    const where = describeLocation(location);
    let refusal: SpillwayError | null = null;
    let accepted: Buffer | null = null;

    const config: ConnectConfig = {
      host: location.host,
      port: location.port,
      username: location.user,
      readyTimeout: 20_000,
      hostVerifier: (key: Buffer) => {
        const verdict = checkHostKey(knownHosts, location.host, location.port, key);
        const print = `${keyType(key)} ${fingerprint(key)}`;
        if (verdict === 'known') return true;
        if (verdict === 'unknown' && options.acceptNewHostKey) {
          accepted = key;
          return true;
        }
        refusal =
          verdict === 'unknown'
            ? new SpillwayError(
                'host-key-unknown',
                `${location.host} is not in ${knownHostsPath}: its key (${print}) cannot be checked.`,
                { facts: { host: location.host, key: print }, remedy: 'accept-host-key' },
              )
            : new SpillwayError(
                'host-key-changed',
                `The key of ${location.host} (${print}) is not the one in ${knownHostsPath}` +
                  `${verdict === 'revoked' ? ': it has been revoked' : ''}. Someone may be intercepting the connection; nothing was sent.`,
                {
                  facts: { host: location.host, key: print, knownHosts: knownHostsPath },
                  remedy: 'update-known-hosts',
                },
              );
        return false;
      },
      ...(await authentication(options)),
    };

    const client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (error: Error & { level?: string }) => {
        if (refusal) return reject(refusal);
        reject(connectionError(where, error));
      });
      client.connect(config);
    });
    if (accepted) {
      await mkdir(dirname(knownHostsPath), { recursive: true, mode: 0o700 });
      await appendFile(knownHostsPath, knownHostsLine(location.host, location.port, accepted));
    }
    return new SshConnection(location, client);
  }

  /** Runs `command` on the server; resolves with its channel (stdin, stdout, exit). */
  exec(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) =>
      this.client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel))),
    );
  }

  /** Runs a short command to its end; throws with its stderr when it fails. */
  async run(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const channel = await this.exec(command);
    let stdout = '';
    let stderr = '';
    channel.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    channel.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await exitOf(channel);
    return { code, stdout, stderr };
  }

  sftp(): Promise<SFTPWrapper> {
    return new Promise((resolve, reject) =>
      this.client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp))),
    );
  }

  close(): void {
    this.client.end();
  }
}

/** The exit code of a command (a signal counts as a failure). */
export function exitOf(channel: ClientChannel): Promise<number> {
  return new Promise((resolve) => {
    channel.on('close', (code: number | null | undefined) => resolve(code ?? 255));
  });
}

async function authentication(options: SshOptions): Promise<Partial<ConnectConfig>> {
  if (options.identity) {
    const privateKey = await readFile(options.identity).catch(() => {
      throw new SpillwayError('not-found', `There is no key file at ${options.identity}.`);
    });
    return { privateKey };
  }
  const agent = process.env['SSH_AUTH_SOCK'];
  for (const name of DEFAULT_KEYS) {
    const privateKey = await readFile(join(homedir(), '.ssh', name)).catch(() => null);
    if (privateKey) return { privateKey, ...(agent ? { agent } : {}) };
  }
  if (agent) return { agent };
  throw new SpillwayError('ssh-failed', 'No SSH key or agent to log in with.', {
    remedy: 'add-ssh-key',
  });
}

function connectionError(where: string, error: Error & { level?: string }): SpillwayError {
  if (error.level === 'client-authentication') {
    return new SpillwayError('ssh-failed', `${where}: the server did not accept the key.`, {
      facts: { where },
      remedy: 'check-ssh-login',
    });
  }
  if (/encrypted/i.test(error.message)) {
    return new SpillwayError('ssh-failed', 'The SSH key is protected by a passphrase.', {
      remedy: 'load-ssh-key',
    });
  }
  return new SpillwayError('ssh-failed', `Cannot connect to ${where}: ${error.message}.`);
}
