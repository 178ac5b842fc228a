// The sizes of an image's frames: the default, and the bounds every image keeps to. A backup
// checks its frame size against them; a reader refuses an index that lists a frame outside
// them before it trusts the index with memory.

export const DEFAULT_FRAME_SIZE = 4 * 2 ** 20;
export const MIN_FRAME_SIZE = 64 * 2 ** 10;
export const MAX_FRAME_SIZE = 256 * 2 ** 20;

export function checkFrameSize(size: number): void {
  if (!Number.isInteger(size) || size < MIN_FRAME_SIZE || size > MAX_FRAME_SIZE) {
    throw new RangeError('the frame size must be between 64 KiB and 256 MiB');
  }
  if ((size & (size - 1)) !== 0) throw new RangeError('the frame size must be a power of two');
}
