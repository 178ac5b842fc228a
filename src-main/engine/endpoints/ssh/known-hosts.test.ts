import { describe, expect, it } from 'vitest';
import { checkHostKey, fingerprint, keyType, knownHostsLine } from './known-hosts.js';

/** A wire-format key blob: string type, then key bytes. */
function blob(type: string, fill: number): Buffer {
  const name = Buffer.from(type);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(name.byteLength);
  return Buffer.concat([head, name, Buffer.alloc(32, fill)]);
}

const key = blob('ssh-ed25519', 1);
const other = blob('ssh-ed25519', 2);
const b64 = (b: Buffer) => b.toString('base64');

describe('known_hosts', () => {
  it('finds plain names, [host]:port, lists and wildcards', () => {
    expect(checkHostKey(`a.example,b.example ssh-ed25519 ${b64(key)}`, 'b.example', 22, key)).toBe(
      'known',
    );
    expect(checkHostKey(`[10.0.0.1]:2222 ssh-ed25519 ${b64(key)}`, '10.0.0.1', 2222, key)).toBe(
      'known',
    );
    // Port 22 and another port are different hosts.
    expect(checkHostKey(`10.0.0.1 ssh-ed25519 ${b64(key)}`, '10.0.0.1', 2222, key)).toBe('unknown');
    expect(checkHostKey(`*.lan ssh-ed25519 ${b64(key)}`, 'nas.lan', 22, key)).toBe('known');
    expect(checkHostKey(`*.lan,!nas.lan ssh-ed25519 ${b64(key)}`, 'nas.lan', 22, key)).toBe(
      'unknown',
    );
  });

  it('says "changed" when the host is known with another key, and honours @revoked', () => {
    expect(checkHostKey(`nas ssh-ed25519 ${b64(other)}`, 'nas', 22, key)).toBe('changed');
    const revoked = `@revoked * ssh-ed25519 ${b64(key)}\nnas ssh-ed25519 ${b64(key)}`;
    expect(checkHostKey(revoked, 'nas', 22, key)).toBe('revoked');
  });

  it('writes hashed lines it can read back, for that host and port only', () => {
    const line = knownHostsLine('127.0.0.1', 2222, key);
    expect(line).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
    expect(checkHostKey(line, '127.0.0.1', 2222, key)).toBe('known');
    expect(checkHostKey(line, '127.0.0.1', 2222, other)).toBe('changed');
    expect(checkHostKey(line, '127.0.0.1', 22, key)).toBe('unknown');
  });

  it('names the key type and its SHA256 fingerprint', () => {
    expect(keyType(key)).toBe('ssh-ed25519');
    expect(keyType(Buffer.alloc(2))).toBe('unknown');
    expect(fingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
