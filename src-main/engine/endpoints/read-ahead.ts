// Reads a span of an ImageInput from start to end in large pieces, the next piece read while
// the caller works on the current one: what a check that hashes an image as stored needs to
// keep the disk busy. Two buffers are held, the piece handed out and the one being read.

import type { ImageInput } from './image-input.js';
import { pageAlignedBuffer } from '../io/page-aligned.js';

export interface Piece {
  start: number;
  end: number;
  bytes: Buffer;
}

export class ReadAhead {
  private readonly buffers: [Buffer, Buffer];
  private turn = 0;
  private current: Piece | null = null;
  private ahead: { start: number; piece: Promise<Piece> } | null = null;

  constructor(
    private readonly input: ImageInput,
    /** Nothing at or past this position is read. */
    private readonly limit: number,
    private readonly onRead: (bytes: number) => void,
    pieceBytes: number,
  ) {
    this.buffers = [pageAlignedBuffer(pieceBytes), pageAlignedBuffer(pieceBytes)];
  }

  /** The piece holding `position` (which must be below the limit). Its bytes stay valid
   *  until the piece after the next one is asked for. */
  async at(position: number): Promise<Piece> {
    const current = this.current;
    if (current && current.start <= position && position < current.end) return current;
    let piece: Piece;
    if (this.ahead?.start === position) {
      piece = await this.ahead.piece;
    } else {
      // A read ahead of another place still fills a buffer: it must end before its reuse.
      await this.ahead?.piece.catch(() => {});
      piece = await this.read(position);
    }
    this.current = piece;
    // The other buffer is free again: nothing holds the piece before this one any more.
    this.ahead = null;
    if (piece.end < this.limit) {
      const next = this.read(piece.end);
      // Awaited when it is asked for; a failure nobody asks for (a cancelled check) is dropped.
      next.catch(() => {});
      this.ahead = { start: piece.end, piece: next };
    }
    return piece;
  }

  private async read(start: number): Promise<Piece> {
    const buffer = this.buffers[this.turn]!;
    this.turn = 1 - this.turn;
    const end = Math.min(this.limit, start + buffer.byteLength);
    const bytes = buffer.subarray(0, end - start);
    await this.input.readInto(bytes, start);
    this.onRead(bytes.byteLength);
    return { start, end, bytes };
  }
}
