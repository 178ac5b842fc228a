// What the block-map readers read through: exactly `length` bytes at `position` of the drive.
// The parsers are pure over this function, so tests and fuzzers can hand them any bytes.

export type ReadAt = (position: number, length: number) => Promise<Buffer>;

/** Thrown by a parser for a structure it does not trust: the caller reads the area whole. */
export class Distrust extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Distrust';
  }
}
