// What kind of image a file is, from its first bytes (and its name, for plain disk images,
// which have no header to recognise).

export type StreamCodec = 'zstd' | 'gzip' | 'xz' | 'lz4';
export type ImageKind = StreamCodec | 'raw';

const SIGNATURES: Array<{ kind: StreamCodec; bytes: number[] }> = [
  { kind: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { kind: 'gzip', bytes: [0x1f, 0x8b] },
  { kind: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { kind: 'lz4', bytes: [0x04, 0x22, 0x4d, 0x18] },
];

/** Names that mean "a plain copy of a drive": no compression, any bytes at all. */
const RAW_NAME = /\.(img|raw|bin|iso|dd|hdd|disk)$/i;

/**
 * The image kind from the file's first bytes; a file whose header matches no codec is a raw
 * image only when its name says so (random bytes named disk.zst are not a disk).
 * A zstd skippable frame first (some tools put metadata there) still means zstd.
 */
export function imageKindOf(head: Uint8Array, fileName: string): ImageKind | null {
  for (const { kind, bytes } of SIGNATURES) {
    if (head.byteLength >= bytes.length && bytes.every((b, i) => head[i] === b)) return kind;
  }
  if (head.byteLength >= 4 && (head[0]! & 0xf0) === 0x50 && head[1] === 0x2a) {
    if (head[2] === 0x4d && head[3] === 0x18) return 'zstd';
  }
  return RAW_NAME.test(fileName) ? 'raw' : null;
}
