// Encrypted images (age), through the command line, checked with Debian's own `age`: images
// Spillway encrypts open with `age -d` (identity file, and passphrase typed on a
// pseudo-terminal) and then `zstd -dc`/`lz4 -dc` give the drive's bytes; a Spillway image that
// `age` encrypted is restored and verified by Spillway. Restore, verify, inspect, ls and
// extract of encrypted images; a wrong key or passphrase, a changed byte and a cut file are
// refused in words, with nothing written. The manifest's digest of the chunks before it is
// what `b3sum` says of them, and a restore's check hashes them instead of decrypting them
// (chunk openings counted). Extracting one file decrypts only the chunks of the frames it
// needs (counted). Needs no root: the "drive" is an ext4 disk image file.

import { existsSync } from 'node:fs';
import { open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract } from '../engine/browse/extract.js';
import { identitiesIn } from '../engine/endpoints/age/age-keys.js';
import { headerLength } from '../engine/endpoints/age/age-header.js';
import { SEALED_CHUNK_SIZE } from '../engine/sealing/payload-chunks.js';
import { openImage } from '../engine/image/open-image.js';
import type { Manifest } from '../../src-shared/manifest.js';
import { quietContext } from '../engine/jobs/job-context.js';
import { restore } from '../engine/restore/restore.js';
import { spillway } from '../test-support/cli.js';
import { extAt, fileBlocks, makeExtDisk } from '../test-support/ext-disk.js';
import { randomFile } from '../test-support/fixtures.js';
import { inPty } from '../test-support/pty.js';
import { q, sh } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const MIB = 2 ** 20;
const BLOCK = 4096;
const CHUNK = 64 * 1024;

describe('encrypted images (age)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let disk: string;
  let identity: string;
  let otherIdentity: string;
  let recipient: string;
  let passFile: string;
  /** The disk, backed up encrypted to `recipient`. */
  let image: string;
  const at = (name: string) => join(dir.path, name);
  /** The manifest's digest of the chunks before it, as stored (inspect). */
  const digestOf = async (path: string, key: string[]) => {
    const inspected = await spillway(['inspect', path, '--json', ...key]);
    expect(inspected.code, inspected.stderr).toBe(0);
    return (JSON.parse(inspected.stdout) as { manifest: Manifest }).manifest.sealedDigest;
  };
  /** What b3sum says of an age file's first `chunks` payload chunks. */
  const b3sumOfChunks = async (path: string, chunks: number) => {
    const payloadStart = headerLength(await readFile(path))! + 16;
    const out = await sh(
      `dd if=${q(path)} iflag=skip_bytes,count_bytes skip=${payloadStart} ` +
        `count=${chunks * SEALED_CHUNK_SIZE} bs=1M status=none | b3sum`,
    );
    return out.split(' ')[0];
  };

  beforeAll(async () => {
    dir = await tempDir();
    const files = at('files');
    await sh(
      `mkdir -p ${q(files)}/docs && printf 'hello, encrypted world\\n' > ${q(files)}/docs/note.txt`,
    );
    for (let i = 0; i < 6; i++) await randomFile(join(files, `big-${i}.bin`), 6 * MIB, `big${i}`);
    await randomFile(join(files, 'docs', 'wanted.bin'), 1 * MIB, 'wanted');
    disk = at('disk.img');
    await makeExtDisk(disk, 64, [{ sizeMiB: 62, files, mkfs: '-b 4096' }]);
    identity = at('id.txt');
    otherIdentity = at('other.txt');
    await sh(
      `age-keygen -o ${q(identity)} 2>/dev/null && age-keygen -o ${q(otherIdentity)} 2>/dev/null`,
    );
    recipient = (await sh(`age-keygen -y ${q(identity)}`)).trim();
    passFile = at('pass.txt');
    await writeFile(passFile, 'a long passphrase, stored\n');
    image = at('disk.img.zst.age');
    const made = await spillway([
      'backup',
      disk,
      image,
      '--recipient',
      recipient,
      '--frame-size',
      '1M',
    ]);
    expect(made.code, made.stderr).toBe(0);
  }, 240_000);

  afterAll(() => dir?.remove());

  it('opens with age -d and an identity file; zstd -dc then gives the drive, and Spillway restores what age decrypted', async () => {
    const head = (await readFile(image)).subarray(0, 22).toString('latin1');
    expect(head).toBe('age-encryption.org/v1\n');
    await sh(`age -d -i ${q(identity)} ${q(image)} | zstd -dc | cmp - ${q(disk)}`);
    const decrypted = at('age-decrypted.img.zst');
    await sh(`age -d -i ${q(identity)} -o ${q(decrypted)} ${q(image)}`);
    // Nothing of the image shows outside: no manifest text, not its first or last 16 bytes
    // (the first frame's header, the seek table's footer). Shorter runs, such as zstd's
    // 4-byte magic, turn up by chance in random bytes: in this image of about 40 MB, one run
    // in a hundred (it happened once, 2026-12-08).
    const raw = await readFile(image);
    const plain = await readFile(decrypted);
    expect(raw.includes(Buffer.from('streamSha256'))).toBe(false);
    expect(raw.includes(plain.subarray(0, 16))).toBe(false);
    expect(raw.includes(plain.subarray(plain.byteLength - 16))).toBe(false);
    // Decrypted by age, it is a plain image: its manifest's digest of the encrypted chunks
    // describes another file, and the restore neither uses it nor says the image differs.
    const target = at('age-decrypted-target.img');
    const restored = await spillway(['restore', decrypted, target, '--yes', '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('"checked":"stored-frames"');
    expect(restored.stdout).not.toMatch(/not byte for byte/);
    await sh(`cmp ${q(target)} ${q(disk)}`);
  });

  it('a backup named by its folder is NAME.img.zst.age; a lz4 one .img.lz4.age', async () => {
    const folder = at('named');
    await sh(`mkdir -p ${q(folder)}`);
    const made = await spillway([
      'backup',
      disk,
      folder,
      '--codec',
      'lz4',
      '--recipient',
      recipient,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const name = (await sh(`ls ${q(folder)}`)).trim();
    expect(name).toMatch(/^disk-.*\.img\.lz4\.age$/);
    await sh(`age -d -i ${q(identity)} ${q(join(folder, name))} | lz4 -dc | cmp - ${q(disk)}`);
  });

  it('passphrase typed twice on a terminal; age -d opens it with that passphrase typed; Spillway asks for it', async () => {
    const withPass = at('typed.img.zst.age');
    const made = await inPty(
      ['bin/spillway', 'backup', disk, withPass, '--encrypt', '--mode', 'raw'],
      ['correct horse battery', 'correct horse battery'],
    );
    expect(made.code, made.stdout).toBe(0);
    const decrypted = at('typed.img.zst');
    const opened = await inPty(['age', '-d', '-o', decrypted, withPass], ['correct horse battery']);
    expect(opened.code, opened.stdout).toBe(0);
    await sh(`zstd -dc ${q(decrypted)} | cmp - ${q(disk)}`);
    const verified = await inPty(['bin/spillway', 'verify', withPass], ['correct horse battery']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/OK: /);
    // Typed differently the second time: refused before anything is read or written.
    const differ = await inPty(
      ['bin/spillway', 'backup', disk, at('differ.img.zst.age'), '--encrypt'],
      ['one thing', 'another'],
    );
    expect(differ.code).toBe(2);
    expect(differ.stdout).toMatch(/The two passphrases differ/);
    expect(existsSync(at('differ.img.zst.age'))).toBe(false);
  }, 240_000);

  it('a Spillway image that age encrypted (key, and passphrase) is restored and verified', async () => {
    const plain = at('plain.img.zst');
    expect((await spillway(['backup', disk, plain, '--mode', 'raw'])).code).toBe(0);
    const byAge = at('by-age.img.zst.age');
    await sh(`age -r ${q(recipient)} -o ${q(byAge)} ${q(plain)}`);
    const target = at('restored-by-age.img');
    const restored = await spillway([
      'restore',
      byAge,
      target,
      '--yes',
      '--age-identity',
      identity,
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    await sh(`cmp ${q(target)} ${q(disk)}`);
    const byAgePass = at('by-age-pass.img.zst.age');
    const enc = await inPty(
      ['age', '-p', '-o', byAgePass, plain],
      ['a long passphrase, stored', 'a long passphrase, stored'],
    );
    expect(enc.code, enc.stdout).toBe(0);
    const verified = await spillway(['verify', byAgePass, '--passphrase-file', passFile]);
    expect(verified.code, verified.stderr).toBe(0);
  }, 240_000);

  it('restore, verify, inspect, ls and extract of an encrypted image', async () => {
    const keys = ['--age-identity', identity];
    const target = at('restored.img');
    const restored = await spillway(['restore', image, target, '--yes', ...keys]);
    expect(restored.code, restored.stderr).toBe(0);
    await sh(`cmp ${q(target)} ${q(disk)}`);
    expect((await spillway(['verify', image, ...keys])).code).toBe(0);
    const info = JSON.parse((await spillway(['inspect', image, '--json', ...keys])).stdout);
    expect(info).toMatchObject({ layout: 'indexed', codec: 'zstd', encrypted: true });
    expect(info.manifest.size).toBe((await stat(disk)).size);
    const listed = await spillway(['ls', image, '1:/docs', ...keys]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/note\.txt/);
    const out = at('extracted');
    const extracted = await spillway(['extract', image, '1:/docs/note.txt', out, ...keys]);
    expect(extracted.code, extracted.stderr).toBe(0);
    expect(await readFile(join(out, 'note.txt'), 'utf8')).toBe('hello, encrypted world\n');
  });

  it('no key, a wrong key, a wrong passphrase: refused in words, nothing written', async () => {
    const target = at('never.img');
    const none = await spillway(['restore', image, target, '--yes']);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/is encrypted to an age key/);
    expect(none.stderr).toMatch(/--age-identity/);
    const wrong = await spillway([
      'restore',
      image,
      target,
      '--yes',
      '--age-identity',
      otherIdentity,
    ]);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/None of the keys given opens/);
    const passImage = at('pass.img.zst.age');
    expect(
      (await spillway(['backup', disk, passImage, '--passphrase-file', passFile, '--mode', 'raw']))
        .code,
    ).toBe(0);
    const badPass = at('bad-pass.txt');
    await writeFile(badPass, 'not it\n');
    const wrongPass = await spillway(['verify', passImage, '--passphrase-file', badPass]);
    expect(wrongPass.code).toBe(4);
    expect(wrongPass.stderr).toMatch(/The passphrase does not open/);
    const wrongRestore = await spillway([
      'restore',
      passImage,
      target,
      '--yes',
      '--passphrase-file',
      badPass,
    ]);
    expect(wrongRestore.code).toBe(4);
    expect(existsSync(target)).toBe(false);
  }, 120_000);

  it('one flipped byte in a chunk is named by its byte range; the drive file is not written', async () => {
    const damaged = at('flipped.img.zst.age');
    await sh(`cp ${q(image)} ${q(damaged)}`);
    const size = (await stat(damaged)).size;
    const where = Math.floor(size / 2);
    const handle = await open(damaged, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, where);
    byte[0] = byte[0]! ^ 0x10;
    await handle.write(byte, 0, 1, where);
    await handle.close();
    const verified = await spillway(['verify', damaged, '--age-identity', identity]);
    expect(verified.code).toBe(3);
    const range = /its bytes (\d+)–(\d+) \(encrypted chunk (\d+)/.exec(verified.stderr);
    expect(range, verified.stderr).not.toBeNull();
    expect(Number(range![1])).toBeLessThanOrEqual(where);
    expect(Number(range![2])).toBeGreaterThanOrEqual(where);
    expect(Number(range![2]) - Number(range![1]) + 1).toBe(SEALED_CHUNK_SIZE);
    const target = at('flipped-target.img');
    await writeFile(target, Buffer.alloc(64 * MIB, 0x55));
    const restored = await spillway([
      'restore',
      damaged,
      target,
      '--yes',
      '--age-identity',
      identity,
    ]);
    expect(restored.code).toBe(3);
    expect(restored.stderr).toMatch(/is damaged: its bytes/);
    // Checked before writing: the target still holds what it held.
    const held = await readFile(target);
    expect(held.every((b) => b === 0x55)).toBe(true);
  });

  it('a cut file is named, cut between chunks or inside one', async () => {
    const raw = await readFile(image);
    const size = raw.byteLength;
    const payloadStart = headerLength(raw)! + 16;
    const boundary =
      payloadStart +
      (Math.floor((size - payloadStart) / SEALED_CHUNK_SIZE) - 3) * SEALED_CHUNK_SIZE;
    for (const [name, length] of [
      ['cut-between.img.zst.age', boundary],
      ['cut-inside.img.zst.age', size - 1000],
    ] as const) {
      const cut = at(name);
      await sh(`cp ${q(image)} ${q(cut)}`);
      await truncate(cut, length);
      const verified = await spillway(['verify', cut, '--age-identity', identity]);
      expect(verified.code, verified.stderr).toBe(3);
      expect(verified.stderr).toMatch(/is cut short/);
    }
  });

  it('recompress adds and removes encryption (and the digest of the chunks); resume and gzip are refused with reasons', async () => {
    const plain = at('decrypted.img.zst');
    const removed = await spillway([
      'recompress',
      image,
      plain,
      '--codec',
      'zstd',
      '--age-identity',
      identity,
    ]);
    expect(removed.code, removed.stderr).toBe(0);
    await sh(`zstd -dc ${q(plain)} | cmp - ${q(disk)}`);
    expect(await digestOf(plain, [])).toBeUndefined();
    const again = at('again.img.lz4.age');
    const added = await spillway([
      'recompress',
      plain,
      again,
      '--codec',
      'lz4',
      '--recipient',
      recipient,
    ]);
    expect(added.code, added.stderr).toBe(0);
    await sh(`age -d -i ${q(identity)} ${q(again)} | lz4 -dc | cmp - ${q(disk)}`);
    const retaken = await digestOf(again, ['--age-identity', identity]);
    expect(await b3sumOfChunks(again, retaken!.chunks)).toBe(retaken!.digest);
    const resume = await spillway([
      'backup',
      disk,
      at('r.img.zst.age'),
      '--resume',
      '--recipient',
      recipient,
    ]);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(
      /cannot be resumed: continuing it would reuse its encryption nonces/,
    );
    const gzip = await spillway([
      'backup',
      disk,
      at('g.img.gz.age'),
      '--codec',
      'gzip',
      '--recipient',
      recipient,
    ]);
    expect(gzip.code).toBe(2);
    expect(gzip.stderr).toMatch(/index would be a second file beside it/);
  });

  it('the manifest records b3sum of the chunks before it, as stored', async () => {
    const recorded = await digestOf(image, ['--age-identity', identity]);
    expect(recorded?.algorithm).toBe('blake3');
    // Every chunk but the few the manifest, the seek table and the last frame's end lie in.
    const chunks = Math.ceil(
      ((await stat(image)).size - headerLength(await readFile(image))! - 16) / SEALED_CHUNK_SIZE,
    );
    expect(recorded!.chunks).toBeGreaterThan(chunks - 4);
    expect(recorded!.chunks).toBeLessThan(chunks);
    expect(await b3sumOfChunks(image, recorded!.chunks)).toBe(recorded!.digest);
  });

  it('a restore checks the chunks as stored, opening only those past the digest, and decrypts each once to write it', async () => {
    const identities = identitiesIn(await readFile(identity, 'utf8'));
    const opened = new Map<number, number>();
    const target = at('counted.img');
    await restore(
      {
        image,
        target,
        age: {
          identities,
          onChunkOpened: (index) => opened.set(index, (opened.get(index) ?? 0) + 1),
        },
        confirm: async () => true,
      },
      quietContext(),
    );
    await sh(`cmp ${q(target)} ${q(disk)}`);

    const indexed = await openImage(image, { age: { identities } });
    await indexed.input.close();
    if (indexed.layout !== 'indexed') throw new Error('not indexed');
    const totalChunks = Math.ceil(indexed.input.size / CHUNK);
    const counts = [...opened.values()];
    const total = counts.reduce((sum, n) => sum + n, 0);
    // The check hashed the chunks before the manifest as stored (sealedDigest) and opened
    // none of them: each is opened once, to be written, and a second time only where a
    // frame starts in a chunk another frame ended in (the large frame that ends in it, the
    // one that starts in it, and once for all the small frames between, which share the
    // chunks kept). Opening every chunk to check it and again to write it, as before the
    // digest, makes about twice as many as there are chunks.
    expect(indexed.manifest?.sealedDigest?.chunks).toBeGreaterThan(totalChunks - 4);
    expect(opened.size).toBe(totalChunks);
    expect(Math.max(...counts)).toBeLessThanOrEqual(4);
    expect(total).toBeLessThanOrEqual(totalChunks + 2 * indexed.frames.length);
    expect(total).toBeLessThan(1.5 * totalChunks);
    console.log(
      `restore: ${total} chunk openings for ${totalChunks} chunks, ${indexed.frames.length} frames`,
    );
  });

  it('extracting one file decrypts only the chunks of the frames it needs', async () => {
    const identities = identitiesIn(await readFile(identity, 'utf8'));
    const opened = new Set<number>();
    const decoded = new Set<number>();
    const out = at('one-file');
    const result = await extract(
      {
        image,
        items: [{ partition: 1, path: '/docs/wanted.bin' }],
        destination: out,
        age: { identities, onChunkOpened: (index) => opened.add(index) },
        onFrameDecoded: (index) => decoded.add(index),
      },
      quietContext(),
    );
    expect(result.files).toBe(1);
    await sh(
      `cmp ${q(join(out, 'wanted.bin'))} ${q(join(dir.path, 'files', 'docs', 'wanted.bin'))}`,
    );

    const indexed = await openImage(image, { age: { identities } });
    await indexed.input.close();
    if (indexed.layout !== 'indexed') throw new Error('not indexed');
    const totalChunks = Math.ceil(indexed.input.size / CHUNK);
    const chunksOf = (start: number, length: number) => {
      const set: number[] = [];
      for (let c = Math.floor(start / CHUNK); c <= Math.floor((start + length - 1) / CHUNK); c++)
        set.push(c);
      return set;
    };
    // Every frame that holds a byte of the file was decrypted whole.
    const blocks = new Set(
      (await fileBlocks(extAt(disk, 1), '/docs/wanted.bin')).map((b) => MIB + b * BLOCK),
    );
    const fileFrames = indexed.frames.filter((f) =>
      [...blocks].some((b) => b >= f.driveOffset && b < f.driveOffset + f.size),
    );
    expect(fileFrames.length).toBeGreaterThan(0);
    for (const frame of fileFrames) {
      for (const c of chunksOf(frame.fileOffset, frame.compressedSize))
        expect(opened.has(c)).toBe(true);
    }
    // And nothing else: every chunk decrypted belongs to a frame decoded, or lies outside
    // the frames (the image's header frame, index and manifest).
    const needed = new Set<number>();
    for (const i of decoded) {
      const f = indexed.frames[i]!;
      for (const c of chunksOf(f.fileOffset, f.compressedSize)) needed.add(c);
    }
    const first = indexed.frames[0]!;
    const last = indexed.frames.at(-1)!;
    for (const c of chunksOf(0, first.fileOffset)) needed.add(c);
    for (const c of chunksOf(
      last.fileOffset + last.compressedSize,
      indexed.input.size - last.fileOffset - last.compressedSize,
    ))
      needed.add(c);
    expect([...opened].filter((c) => !needed.has(c))).toEqual([]);
    expect(decoded.size).toBeLessThan(indexed.frames.length / 2);
    expect(opened.size).toBeLessThan(totalChunks / 2);
    console.log(
      `extract of one 1 MiB file: ${opened.size} of ${totalChunks} chunks decrypted, ${decoded.size} of ${indexed.frames.length} frames decoded`,
    );
  });
});
