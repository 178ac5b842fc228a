// The payload of an age v1 file (age-encryption.org/v1, "Payload"): after the header, a
// 16-byte nonce, then the plaintext cut into 64 KiB chunks, each sealed with
// ChaCha20-Poly1305 under a key derived from the file key and that nonce. A chunk's nonce is
// its number (11 bytes, big-endian) and a last-chunk flag byte, so chunk N can be opened
// alone, where it lies: this is what gives an encrypted image random access.
//
// The cipher and the key derivation are Node's own (node:crypto, OpenSSL): measured several
// times faster than a pure-JavaScript stream (see README, "Encrypted images").

import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

/** Plaintext bytes in every chunk but the last. */
export const CHUNK_SIZE = 64 * 1024;
/** Poly1305's tag after each chunk. */
export const TAG_SIZE = 16;
/** A whole chunk as stored. */
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
/** The random nonce between the header and the first chunk. */
export const PAYLOAD_NONCE_SIZE = 16;

/** The key the chunks are sealed with: HKDF-SHA-256(file key, salt = nonce, "payload"). */
export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

function chunkNonce(index: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  // 11 bytes of counter; JavaScript numbers are exact far beyond any file's chunk count.
  nonce.writeUIntBE(index, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Chunk `index` sealed into `target` (plain's length + the tag): ciphertext, then tag. */
export function sealChunkInto(
  key: Uint8Array,
  index: number,
  last: boolean,
  plain: Uint8Array,
  target: Uint8Array,
): void {
  const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce(index, last), {
    authTagLength: TAG_SIZE,
  });
  target.set(cipher.update(plain));
  cipher.final(); // a stream cipher: nothing is left to flush
  target.set(cipher.getAuthTag(), plain.byteLength);
}

/** Chunk `index` sealed: its ciphertext then its tag. */
export function sealChunk(
  key: Uint8Array,
  index: number,
  last: boolean,
  plain: Uint8Array,
): Buffer {
  const sealed = Buffer.allocUnsafe(plain.byteLength + TAG_SIZE);
  sealChunkInto(key, index, last, plain, sealed);
  return sealed;
}

/** Chunk `index` opened into `target` (its plaintext length), or false when it does not
 *  authenticate as that chunk (changed bytes, another key, or the wrong "last" flag). */
export function openChunk(
  key: Uint8Array,
  index: number,
  last: boolean,
  sealed: Uint8Array,
  target: Uint8Array,
): boolean {
  if (sealed.byteLength < TAG_SIZE || target.byteLength !== sealed.byteLength - TAG_SIZE) {
    return false;
  }
  const decipher = createDecipheriv('chacha20-poly1305', key, chunkNonce(index, last), {
    authTagLength: TAG_SIZE,
  });
  decipher.setAuthTag(sealed.subarray(sealed.byteLength - TAG_SIZE));
  const body = decipher.update(sealed.subarray(0, sealed.byteLength - TAG_SIZE));
  try {
    decipher.final();
  } catch {
    target.fill(0);
    return false;
  }
  target.set(body);
  return true;
}

/** Where the chunks of a payload of `sealedSize` bytes are, or why it cannot be one. */
export type PayloadGeometry =
  { ok: true; chunks: number; plainSize: number } | { ok: false; reason: 'empty' | 'cut-in-a-tag' };

export function payloadGeometry(sealedSize: number): PayloadGeometry {
  if (sealedSize < TAG_SIZE) return { ok: false, reason: 'empty' };
  const chunks = Math.max(1, Math.ceil(sealedSize / SEALED_CHUNK_SIZE));
  const lastSealed = sealedSize - (chunks - 1) * SEALED_CHUNK_SIZE;
  // A last chunk with no plaintext is allowed only when it is the only one (an empty file).
  if (lastSealed < TAG_SIZE || (chunks > 1 && lastSealed === TAG_SIZE)) {
    return { ok: false, reason: 'cut-in-a-tag' };
  }
  return { ok: true, chunks, plainSize: sealedSize - chunks * TAG_SIZE };
}

/** The payload bytes a plaintext of `plainSize` bytes takes when sealed. */
export function sealedSize(plainSize: number): number {
  return plainSize + Math.max(1, Math.ceil(plainSize / CHUNK_SIZE)) * TAG_SIZE;
}

/**
 * Chunks sealed or opened per message to a worker thread (1 MiB of plaintext). A message
 * there and back costs tens of microseconds, a chunk about 80: sixteen chunks make the
 * messaging a few percent of the work, and a 16 MiB read still splits into enough batches to
 * keep every worker busy.
 */
export const BATCH_CHUNKS = 16;

/**
 * Seals consecutive chunks, numbered from `firstIndex`, from `plain` into `sealed` (each
 * chunk's ciphertext then its tag). Every chunk is full but the batch's final one, which is
 * flagged as the payload's last when `endsPayload`. Returns the sealed length.
 */
export function sealChunks(
  key: Uint8Array,
  firstIndex: number,
  plain: Uint8Array,
  endsPayload: boolean,
  sealed: Uint8Array,
): number {
  const count = Math.max(1, Math.ceil(plain.byteLength / CHUNK_SIZE));
  for (let i = 0; i < count; i++) {
    const body = plain.subarray(i * CHUNK_SIZE, Math.min((i + 1) * CHUNK_SIZE, plain.byteLength));
    const last = endsPayload && i === count - 1;
    sealChunkInto(key, firstIndex + i, last, body, sealed.subarray(i * SEALED_CHUNK_SIZE));
  }
  return plain.byteLength + count * TAG_SIZE;
}

/**
 * Opens consecutive sealed chunks, numbered from `firstIndex`, from `sealed` into `plain`;
 * chunk `lastIndex` (the payload's last) is expected to say so. Returns null when all
 * authenticate, else the number of the first that does not (nothing after it is opened).
 */
export function openChunks(
  key: Uint8Array,
  firstIndex: number,
  lastIndex: number,
  sealed: Uint8Array,
  plain: Uint8Array,
): number | null {
  const count = Math.ceil(sealed.byteLength / SEALED_CHUNK_SIZE);
  for (let i = 0; i < count; i++) {
    const piece = sealed.subarray(
      i * SEALED_CHUNK_SIZE,
      Math.min((i + 1) * SEALED_CHUNK_SIZE, sealed.byteLength),
    );
    const target = plain.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + piece.byteLength - TAG_SIZE);
    const index = firstIndex + i;
    if (!openChunk(key, index, index === lastIndex, piece, target)) return index;
  }
  return null;
}
