// ssh://user@host[:port]/path: where an image lives on another machine. Pure parsing.

import { SpillwayError } from '../../errors.js';

export interface SshLocation {
  user: string;
  host: string;
  port: number;
  /** The path on the remote machine (absolute, or relative to the user's home with /~/). */
  path: string;
}

export function isSshUrl(text: string): boolean {
  return text.startsWith('ssh://');
}

export function parseSshUrl(text: string): SshLocation {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SpillwayError('usage', `${text} is not a valid ssh:// address.`);
  }
  const bad = (why: string) =>
    new SpillwayError('usage', `${text}: ${why}.`, {
      facts: { address: text },
      remedy: 'fix-ssh-address',
    });
  if (url.protocol !== 'ssh:') throw bad('only ssh:// addresses are supported');
  if (!url.username) throw bad('the user name is missing');
  if (!url.hostname) throw bad('the host is missing');
  if (url.password) throw bad('passwords in the address are not accepted (use a key or an agent)');
  const path = decodeURIComponent(url.pathname);
  if (path === '/' || path.endsWith('/')) throw bad('name the image file, not a folder');
  return {
    user: decodeURIComponent(url.username),
    // URL keeps IPv6 hosts in brackets.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 22,
    // "/~/x" is x in the home folder, as scp understands "host:x".
    path: path.startsWith('/~/') ? path.slice(3) : path,
  };
}

/** What the user sees for a location (no secrets in it, there are none). */
export function describeLocation(location: SshLocation): string {
  const port = location.port === 22 ? '' : `:${location.port}`;
  return `${location.user}@${location.host}${port}:${location.path}`;
}

/** A word for a POSIX shell: the remote side runs commands through one. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
