// A backup's image written on another machine: the bytes go into `cat > NAME.incomplete` on
// the server (an exec channel: ~230 MiB/s where ssh2's SFTP write stream manages ~2), with
// the channel's own backpressure; the file takes its name only once complete, as locally.

import { once } from 'node:events';
import type { ClientChannel } from 'ssh2';
import { SpillwayError } from '../../errors.js';
import { INCOMPLETE_SUFFIX } from '../file/sink.js';
import type { ImageSink } from '../image-sink.js';
import { exitOf, SshConnection, type SshOptions } from './connection.js';
import { describeLocation, shellQuote, type SshLocation } from './url.js';

const ZERO_BLOCK = 2 ** 20;

export async function openSshSink(
  location: SshLocation,
  options: SshOptions & { force: boolean },
): Promise<ImageSink> {
  const connection = await SshConnection.open(location, options);
  try {
    const where = describeLocation(location);
    const target = shellQuote(location.path);
    if (!options.force && (await connection.run(`test -e ${target}`)).code === 0) {
      throw new SpillwayError('destination-exists', `${where} already exists.`, {
        facts: { path: where },
        remedy: 'overwrite',
      });
    }
    const partial = shellQuote(location.path + INCOMPLETE_SUFFIX);
    const channel = await connection.exec(`cat > ${partial}`);
    return new SshSink(where, connection, channel, partial, target, options.force);
  } catch (error) {
    connection.close();
    throw error;
  }
}

class SshSink implements ImageSink {
  bytesWritten = 0;
  private stderr = '';
  private readonly exit: Promise<number>;
  private state: 'open' | 'done' = 'open';
  private zeros: Buffer | null = null;

  constructor(
    readonly name: string,
    private readonly connection: SshConnection,
    private readonly channel: ClientChannel,
    private readonly partial: string,
    private readonly target: string,
    private readonly force: boolean,
  ) {
    channel.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    // `cat > file` prints nothing, but the channel only closes once its output is read.
    channel.resume();
    this.exit = exitOf(channel);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.channel.destroyed || this.channel.writableEnded) throw this.remoteFailure();
    if (!this.channel.write(bytes)) {
      await Promise.race([once(this.channel, 'drain'), this.exit]);
      if (!this.channel.writable) throw this.remoteFailure();
    }
    this.bytesWritten += bytes.byteLength;
  }

  async skip(length: number): Promise<void> {
    // `cat` cannot seek: holes travel as zeros.
    this.zeros ??= Buffer.alloc(ZERO_BLOCK);
    for (let left = length; left > 0; left -= ZERO_BLOCK) {
      await this.write(this.zeros.subarray(0, Math.min(left, ZERO_BLOCK)));
    }
  }

  async commit(): Promise<void> {
    this.channel.end();
    if ((await this.exit) !== 0) {
      await this.abort();
      throw this.remoteFailure();
    }
    // link refuses to replace a file that appeared meanwhile; mv -f replaces on purpose.
    const move = this.force
      ? `sync && mv -f -- ${this.partial} ${this.target}`
      : `sync && ln -- ${this.partial} ${this.target} && rm -f -- ${this.partial}`;
    const moved = await this.connection.run(move);
    if (moved.code !== 0) {
      await this.abort();
      throw new SpillwayError(
        'write-error',
        `${this.name}: ${moved.stderr.trim() || 'cannot rename the finished image'}.`,
      );
    }
    this.state = 'done';
    this.connection.close();
  }

  async abort(): Promise<void> {
    if (this.state === 'done') return;
    this.state = 'done';
    this.channel.destroy();
    // Called on a failure already being reported (often the connection's own): a
    // NAME.incomplete left on the server is never restored from (restore refuses it), and
    // the next backup of that name replaces it.
    await this.connection.run(`rm -f -- ${this.partial}`).catch(() => {});
    this.connection.close();
  }

  async keepPartial(): Promise<string | null> {
    // Resuming reads the partial image locally: a remote one starts again.
    await this.abort();
    return null;
  }

  async freeSpace(): Promise<number | null> {
    return null;
  }

  private remoteFailure(): SpillwayError {
    const said = this.stderr.trim();
    if (/no space left/i.test(said)) {
      return new SpillwayError('destination-full', `${this.name}: the remote disk is full.`, {
        facts: { volume: this.name },
        remedy: 'free-space',
      });
    }
    return new SpillwayError(
      'write-error',
      `Writing to ${this.name} failed${said ? `: ${said}` : ' (the connection closed)'}.`,
    );
  }
}
