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
