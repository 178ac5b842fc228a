// A read-only NBD server on a Unix socket, serving one export: the drive an image holds,
// read through the random-access reader. Written from the NBD protocol document
// (NetworkBlockDevice/nbd doc/proto.md): the fixed newstyle handshake with the options a
// client needs to reach transmission (EXPORT_NAME, GO, INFO, LIST, ABORT; the rest answered
// "unsupported"), then simple replies to READ and DISC. Writes and trims are refused with
// EPERM (the export says read-only); nothing reaches the image but reads.
//
// Requests on one connection are answered in order, one at a time: the kernel's page cache
// and nbdfuse's own readers sit above, and the image reader decodes ahead of sequential reads.

import { createServer, type Server, type Socket } from 'node:net';

const NBDMAGIC = 0x4e42444d41474943n;
const IHAVEOPT = 0x49484156454f5054n;
const OPTION_REPLY_MAGIC = 0x3e889045565a9n;
const REQUEST_MAGIC = 0x25609513;
const SIMPLE_REPLY_MAGIC = 0x67446698;

const FLAG_FIXED_NEWSTYLE = 1 << 0;
const FLAG_NO_ZEROES = 1 << 1;
const CLIENT_NO_ZEROES = 1 << 1;

const OPT_EXPORT_NAME = 1;
const OPT_ABORT = 2;
const OPT_LIST = 3;
const OPT_INFO = 6;
const OPT_GO = 7;

const REP_ACK = 1;
const REP_SERVER = 2;
const REP_INFO = 3;
const REP_ERR_UNSUP = 2 ** 31 + 1;
const REP_ERR_INVALID = 2 ** 31 + 3;

const INFO_EXPORT = 0;

/** Transmission flags: flags are present, the export is read-only, several connections may
 *  share it (it never changes). */
const TRANSMISSION_FLAGS = (1 << 0) | (1 << 1) | (1 << 8);

const CMD_READ = 0;
const CMD_WRITE = 1;
const CMD_DISC = 2;

const EPERM = 1;
const EIO = 5;
const EINVAL = 22;

/** Longest option payload accepted (names are at most 4096 bytes by the protocol). */
const MAX_OPTION_BYTES = 64 * 1024;
/** Longest read served at once (the protocol lets a server refuse more than 32 MiB). */
const MAX_READ = 32 * 2 ** 20;

export interface ExportSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

export interface NbdServer {
  readonly socketPath: string;
  /** Reads answered with an error (a damaged frame under them), for the log. */
  readonly failedReads: number;
  close(): Promise<void>;
}

/** Listens on `socketPath` (which must not exist) and serves `source` to every client. */
export async function serveNbd(
  socketPath: string,
  source: ExportSource,
  onReadError: (error: unknown) => void = () => {},
): Promise<NbdServer> {
  const sockets = new Set<Socket>();
  let failedReads = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serveConnection(socket, source, (error) => {
      failedReads++;
      onReadError(error);
    }).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    socketPath,
    get failedReads() {
      return failedReads;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Bytes taken from a socket in exact amounts, as they arrive. */
class SocketBytes {
  private chunks: Buffer[] = [];
  private held = 0;
  private waiting: (() => void) | null = null;
  private ended = false;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.held += chunk.length;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  async take(length: number): Promise<Buffer> {
    while (this.held < length) {
      if (this.ended) throw new Error('the client went away');
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = all.length > length ? [all.subarray(length)] : [];
    this.held -= length;
    return all.subarray(0, length);
  }

  private wake() {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }
}

async function serveConnection(
  socket: Socket,
  source: ExportSource,
  readFailed: (error: unknown) => void,
): Promise<void> {
  const input = new SocketBytes(socket);
  const greeting = Buffer.alloc(18);
  greeting.writeBigUInt64BE(NBDMAGIC, 0);
  greeting.writeBigUInt64BE(IHAVEOPT, 8);
  greeting.writeUInt16BE(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES, 16);
  socket.write(greeting);
  const clientFlags = (await input.take(4)).readUInt32BE(0);
  const noZeroes = (clientFlags & CLIENT_NO_ZEROES) !== 0;
  if (!(await negotiate(socket, input, source, noZeroes))) return;
  await transmit(socket, input, source, readFailed);
}

function optionReply(socket: Socket, option: number, type: number, data: Buffer = Buffer.alloc(0)) {
  const header = Buffer.alloc(20);
  header.writeBigUInt64BE(OPTION_REPLY_MAGIC, 0);
  header.writeUInt32BE(option, 8);
  header.writeUInt32BE(type, 12);
  header.writeUInt32BE(data.length, 16);
  socket.write(Buffer.concat([header, data]));
}

function exportInfo(size: number): Buffer {
  const info = Buffer.alloc(12);
  info.writeUInt16BE(INFO_EXPORT, 0);
  info.writeBigUInt64BE(BigInt(size), 2);
  info.writeUInt16BE(TRANSMISSION_FLAGS, 10);
  return info;
}

/** The option haggling; true when the client moved on to transmission. */
async function negotiate(
  socket: Socket,
  input: SocketBytes,
  source: ExportSource,
  noZeroes: boolean,
): Promise<boolean> {
  for (;;) {
    const header = await input.take(16);
    if (header.readBigUInt64BE(0) !== IHAVEOPT) return false;
    const option = header.readUInt32BE(8);
    const length = header.readUInt32BE(12);
    if (length > MAX_OPTION_BYTES) return false;
    const data = await input.take(length);
    switch (option) {
      case OPT_EXPORT_NAME: {
        // No reply header: the export's size and flags, then (unless refused) 124 zeros.
        const reply = Buffer.alloc(noZeroes ? 10 : 134);
        reply.writeBigUInt64BE(BigInt(source.size), 0);
        reply.writeUInt16BE(TRANSMISSION_FLAGS, 8);
        socket.write(reply);
        return true;
      }
      case OPT_ABORT:
        optionReply(socket, option, REP_ACK);
        socket.end();
        return false;
      case OPT_LIST: {
        // The one export has the empty name.
        const name = Buffer.alloc(4);
        optionReply(socket, option, REP_SERVER, name);
        optionReply(socket, option, REP_ACK);
        break;
      }
      case OPT_INFO:
      case OPT_GO: {
        // Any name is this export; info requests beyond the export's size are not needed.
        if (length < 6 || data.readUInt32BE(0) + 6 > length) {
          optionReply(socket, option, REP_ERR_INVALID);
          break;
        }
        optionReply(socket, option, REP_INFO, exportInfo(source.size));
        optionReply(socket, option, REP_ACK);
        if (option === OPT_GO) return true;
        break;
      }
      default:
        optionReply(socket, option, REP_ERR_UNSUP);
    }
  }
}

function simpleReply(socket: Socket, handle: Buffer, error: number, data?: Buffer) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0);
  header.writeUInt32BE(error, 4);
  handle.copy(header, 8);
  socket.write(data ? Buffer.concat([header, data]) : header);
}

async function transmit(
  socket: Socket,
  input: SocketBytes,
  source: ExportSource,
  readFailed: (error: unknown) => void,
): Promise<void> {
  for (;;) {
    const request = await input.take(28);
    if (request.readUInt32BE(0) !== REQUEST_MAGIC) {
      socket.destroy();
      return;
    }
    const type = request.readUInt16BE(6);
    const handle = Buffer.from(request.subarray(8, 16));
    const offset = Number(request.readBigUInt64BE(16));
    const length = request.readUInt32BE(24);
    switch (type) {
      case CMD_READ: {
        if (length === 0 || length > MAX_READ || offset + length > source.size) {
          simpleReply(socket, handle, EINVAL);
          break;
        }
        let data: Buffer;
        try {
          data = await source.read(offset, length);
        } catch (error) {
          readFailed(error);
          simpleReply(socket, handle, EIO);
          break;
        }
        simpleReply(socket, handle, 0, data);
        break;
      }
      case CMD_WRITE:
        // Its payload follows the request: read past it, then refuse.
        await input.take(length);
        simpleReply(socket, handle, EPERM);
        break;
      case CMD_DISC:
        socket.end();
        return;
      default:
        simpleReply(socket, handle, EPERM);
    }
  }
}
