// Newline-delimited JSON over a stream socket, with a cap on line length so that a client
// that never sends a newline cannot make the reader buffer without end.

import type { Socket } from 'node:net';
import { MAX_LINE_BYTES } from './helper-protocol.js';

/** Calls `onLine` with each parsed line; malformed JSON or an over-long line ends the socket. */
export function readJsonLines(socket: Socket, onLine: (value: unknown) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        socket.destroy();
        return;
      }
      onLine(value);
      if (socket.destroyed) return;
    }
    if (buffered.length > MAX_LINE_BYTES) socket.destroy();
  });
}

export function writeJsonLine(socket: Socket, value: unknown): void {
  if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(value) + '\n');
}
