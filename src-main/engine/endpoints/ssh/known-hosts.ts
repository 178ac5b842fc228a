// Checking a server's host key against OpenSSH's known_hosts, as `ssh` does: plain and hashed
// (|1|salt|hash) host names, [host]:port for ports other than 22, wildcards and negations,
// @revoked keys. Pure: the file's text in, a verdict out.

import { createHash, createHmac, randomBytes } from 'node:crypto';

export type HostKeyVerdict =
  /** A line for this host holds this very key. */
  | 'known'
  /** No line names this host. */
  | 'unknown'
  /** Lines name this host, none with this key: maybe an attack, never accepted. */
  | 'changed'
  /** The key is marked @revoked. */
  | 'revoked';

/** The name known_hosts uses for a host and port. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function wildcardMatch(pattern: string, name: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(name);
}

function hashedMatch(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return mac === hash;
}

/** Does the host field of a line ("a,b,!c" or "|1|…") name `name`? */
function hostsMatch(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatch(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatch(pattern.slice(1), name)) return false;
    } else if (wildcardMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

export function checkHostKey(
  knownHosts: string,
  host: string,
  port: number,
  keyBlob: Buffer,
): HostKeyVerdict {
  const name = hostPattern(host, port);
  const key = keyBlob.toString('base64');
  let named = false;
  let known = false;
  for (const raw of knownHosts.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]!.startsWith('@') ? fields.shift()! : null;
    const [hosts, , blob] = fields;
    if (!hosts || !blob || !hostsMatch(hosts, name)) continue;
    if (marker === '@revoked' && blob === key) return 'revoked';
    if (marker !== null) continue; // @cert-authority: certificates are not used here
    named = true;
    if (blob === key) known = true;
  }
  return known ? 'known' : named ? 'changed' : 'unknown';
}

/** The key's type, the first string in its wire-format blob ("ssh-ed25519"). */
export function keyType(keyBlob: Buffer): string {
  if (keyBlob.byteLength < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return length > 0 && length < 64 && 4 + length <= keyBlob.byteLength
    ? keyBlob.subarray(4, 4 + length).toString('latin1')
    : 'unknown';
}

/** A hashed known_hosts line for a newly accepted key (as `ssh -o HashKnownHosts=yes`). */
export function knownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(hostPattern(host, port)).digest('base64');
  return `|1|${salt.toString('base64')}|${hash} ${keyType(keyBlob)} ${keyBlob.toString('base64')}\n`;
}

/** SHA256:… as `ssh` prints it, for the user to compare. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}
