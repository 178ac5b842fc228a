// The ext browse reader against the kernel: each filesystem is made by its real mkfs in an
// image file, filled through the kernel's own driver (loop device, mount, real files), then
// read twice: by the kernel (mounted read-only) and by the browse reader over the image file.
// Every entry's name, kind, size, mtime, mode, hard-link identity, every file's bytes and
// every symlink's target must agree.

import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  treeDifferences,
  treeFromBrowser,
  treeFromKernel,
} from '../../../test-support/compare-tree.js';
import { openFileReadAt } from '../../../test-support/file-read-at.js';
import { randomFile } from '../../../test-support/fixtures.js';
import { attachLoop, detachAll } from '../../../test-support/loop-devices.js';
import { noLoopReason } from '../../../test-support/root.js';
import { q, sh } from '../../../test-support/shell.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { browsePath, type FilesystemTree } from '../browse.js';
import { extBrowseReader } from './browse.js';

interface Kind {
  name: string;
  /** What debugfs must show in the image, so the comparison is known to cover it. */
  structures: Array<[command: string, expected: RegExp]>;
  filesystem: string;
  mkfs: string;
  sizeMiB: number;
  /** Files only ext4 can hold the way the test means (unwritten extents, over 4 GiB). */
  ext4?: boolean;
  /** The one filesystem that holds a file over 100 MiB (keeps the run short). */
  big?: boolean;
}

/** An indexed (htree) folder: the kernel made "many" one (flag 0x1000). */
const HTREE: [string, RegExp] = ['stat /many', /Flags: 0x(8|)1000\b/];

const KINDS: Kind[] = [
  // mke2fs gives filesystems under 512 MiB 1 KiB blocks: the 110 MiB file needs the
  // triple-indirect block (it starts at 64 MiB with 1 KiB blocks).
  {
    name: 'ext2, 1 KiB blocks, a 110 MiB file',
    filesystem: 'ext2',
    mkfs: 'mkfs.ext2',
    sizeMiB: 200,
    big: true,
    structures: [HTREE, ['stat /big.bin', /\(TIND\)/]],
  },
  {
    name: 'ext3, 2 KiB blocks',
    filesystem: 'ext3',
    mkfs: 'mkfs.ext3 -b 2048',
    sizeMiB: 64,
    structures: [HTREE, ['stat /fragmented.bin', /\(DIND\)/]],
  },
  // Large enough for mke2fs to choose everything itself: today's Debian defaults, 4 KiB blocks.
  {
    name: 'ext4, Debian 12 defaults',
    filesystem: 'ext4',
    mkfs: 'mkfs.ext4',
    sizeMiB: 640,
    ext4: true,
    structures: [
      HTREE,
      ['stats', /Block size: +4096/],
      ['stats', /features:.*metadata_csum.*/],
      ['stats', /features:.*64bit.*/],
      // An extent tree of depth 2, and unwritten extents.
      ['ex /fragmented.bin', /^ *0\/ *2 /m],
      ['ex /unwritten.bin', /Uninit/],
    ],
  },
  {
    name: 'ext4, 1 KiB blocks',
    filesystem: 'ext4',
    mkfs: 'mkfs.ext4 -b 1024',
    sizeMiB: 64,
    ext4: true,
    structures: [HTREE, ['ex /fragmented.bin', /^ *0\/ *2 /m]],
  },
  {
    name: 'ext4, inline_data',
    filesystem: 'ext4',
    mkfs: 'mkfs.ext4 -b 4096 -O inline_data',
    sizeMiB: 64,
    ext4: true,
    structures: [
      HTREE,
      // Inline files, past i_block into the extended attribute, and an inline folder.
      ['stat /sizes/120.bin', /Size of inline data: 120/],
      ['stat /nested/a/b', /Flags: 0x10000000/],
    ],
  },
];

const LONG_ASCII = 'L'.repeat(255);
/** Sparse, over 4 GiB (i_size_high): 'tail' at TAIL_AT, zeros elsewhere. */
const OVER_4G = '/over-4g.bin';
const OVER_4G_SIZE = 4100 * 2 ** 20;
const TAIL_AT = 4 * 2 ** 30 + 5;
/** Hashing 4 GiB twice (kernel and reader) takes minutes on a busy machine: its bytes are
 *  checked by expectOver4G instead, with a compare of each chunk against zeros. */
const isOver4G = (path: string) => path === OVER_4G;
/** 85 three-byte characters: the longest name ext allows (255 bytes), none of it ASCII. */
const LONG_CJK = '日'.repeat(85);
const UNICODE_FOLDER = 'Ünïcødé 日本語 🎉';

/** Shell commands, run in the mounted filesystem, that write the test tree through the kernel. */
function fillScript(kind: Kind): string {
  const lines = [
    'set -e',
    'mkdir -p nested/a/b/c/d/e sizes many sticky setgid',
    `printf 'deep' > nested/a/b/c/d/e/leaf.txt`,
    `printf 'x' > ${q(LONG_ASCII)}`,
    `mkdir ${q(UNICODE_FOLDER)} && printf 'ü' > ${q(UNICODE_FOLDER + '/café.txt')}`,
    `printf 'long' > ${q(LONG_CJK)}`,
    // Thousands of names: an indexed (htree) folder; on inline_data it outgrows the inode.
    `for i in $(seq 1 3000); do if [ $((i % 7)) = 0 ]; then : > many/entry-$i.txt; ` +
      `else printf '%d\\n' $i > many/entry-$i.txt; fi; done`,
    ': > empty.txt',
    // Around the 60 bytes of i_block (inline data, fast symlinks) and around a block.
    'for n in 1 59 60 61 100 120 150 4095 4096 4097 65537; do head -c $n /dev/urandom > sizes/$n.bin; done',
    // A sparse file: data, a hole, data in the middle, a hole to the end.
    'head -c 12288 /dev/urandom > sparse.bin && truncate -s 50M sparse.bin',
    `printf 'middle' | dd of=sparse.bin bs=1 seek=20000000 conv=notrunc status=none`,
    // 2000 separate blocks, a hole between each: 2000 extents (a tree of depth 2) on ext4,
    // a block map reaching the double-indirect block on ext2/ext3.
    `python3 -c "
import os
fd = os.open('fragmented.bin', os.O_WRONLY | os.O_CREAT, 0o644)
for i in range(2000):
    os.pwrite(fd, os.urandom(512) * 2, i * 8192)
os.close(fd)"`,
    'ln -s empty.txt fast-link',
    `ln -s ${q('t'.repeat(59))} link-59`,
    `ln -s ${q('t'.repeat(60))} link-60`,
    `ln -s ${q('p/'.repeat(100) + 'end')} slow-link`,
    `ln -s ${q(UNICODE_FOLDER + '/café.txt')} unicode-link`,
    'ln -s /nowhere/at/all dangling-link',
    `printf 'shared' > linked-a && ln linked-a nested/linked-b`,
    'mkfifo fifo && mknod chardev c 1 3',
    `printf 'suid' > setuid.bin && chmod 4755 setuid.bin && chmod 1777 sticky && chmod 2750 setgid`,
    `printf 'none' > no-permissions.txt && chmod 000 no-permissions.txt`,
    `printf 't' > timed.txt && touch -d '2001-02-03 04:05:06.123456789' timed.txt`,
    `printf 'o' > before-1970.txt && touch -d '1960-06-01 12:00:00.5' before-1970.txt`,
    `printf 'f' > after-2038.txt && touch -d '2200-01-01 00:00:00.000000001' after-2038.txt`,
    `touch -h -d '2010-10-10 10:10:10.101010101' fast-link`,
  ];
  if (kind.ext4) {
    lines.push(
      // Unwritten extents read as zeros: preallocated, then partly written.
      'fallocate -l 8M unwritten.bin',
      `printf 'written' | dd of=unwritten.bin bs=1 seek=1048576 conv=notrunc status=none`,
      // Preallocated past the end of the file (kept size): not part of its bytes.
      `printf 'abc' > kept-size.bin && fallocate -n -o 0 -l 1M kept-size.bin`,
    );
  }
  if (kind.filesystem === 'ext4' && kind.sizeMiB >= 512) {
    // Over 4 GiB (i_size_high), sparse: a few bytes past 4 GiB.
    lines.push(
      `truncate -s ${OVER_4G_SIZE} over-4g.bin`,
      `printf 'tail' | dd of=over-4g.bin bs=1 seek=${TAIL_AT} conv=notrunc status=none`,
    );
  }
  lines.push(`touch -d '1999-12-31 23:59:59.999999999' nested/a`, 'sync');
  return lines.join('\n');
}

/** The over-4 GiB file, through the reader: its size, and zeros but for 'tail' at TAIL_AT. */
async function expectOver4G(tree: FilesystemTree): Promise<void> {
  const file = await browsePath(tree, OVER_4G);
  expect(file.size).toBe(OVER_4G_SIZE);
  const zeros = Buffer.alloc(1024 * 1024);
  const expected = Buffer.alloc(zeros.length);
  let at = 0;
  for await (const chunk of tree.read(file)) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const tail = TAIL_AT - at;
    if (tail >= 0 && tail < bytes.length) {
      expected.fill(0).write('tail', tail);
      expect(bytes.equals(expected.subarray(0, bytes.length))).toBe(true);
    } else if (!bytes.equals(zeros.subarray(0, bytes.length))) {
      throw new Error(`${OVER_4G}: bytes at ${at} are not zeros`);
    }
    at += bytes.length;
  }
  expect(at).toBe(OVER_4G_SIZE);
}

describe.skipIf(noLoopReason !== null)('ext browse reader against the kernel', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterEach(() => detachAll());
  afterAll(() => dir?.remove());

  /** The image of `kind`, filled through the kernel, and its tree as the kernel reads it. */
  async function makeImage(kind: Kind) {
    const image = join(dir.path, `${kind.filesystem}-${kind.sizeMiB}.img`);
    const at = join(dir.path, 'mnt');
    await sh(`truncate -s ${kind.sizeMiB}M ${q(image)} && ${kind.mkfs} -q -F ${q(image)}`);
    await sh(`mkdir -p ${q(at)}`);
    const loop = await attachLoop(image);
    try {
      await sh(`mount ${q(loop.path)} ${q(at)}`);
      try {
        await sh(`cd ${q(at)} && bash -c ${q(fillScript(kind))}`);
        if (kind.big) await randomFile(join(at, 'big.bin'), 110 * 2 ** 20 + 12345, 'ext-big');
      } finally {
        await sh(`umount ${q(at)}`);
      }
      await sh(`e2fsck -n -f ${q(image)} 2>&1`);
      for (const [command, expected] of kind.structures) {
        expect(await sh(`debugfs -R ${q(command)} ${q(image)} 2>/dev/null`)).toMatch(expected);
      }
      const noload = kind.filesystem === 'ext2' ? 'ro' : 'ro,noload';
      await sh(`mount -o ${noload} ${q(loop.path)} ${q(at)}`);
      try {
        return { image, kernel: await treeFromKernel(at, { skipContent: isOver4G }) };
      } finally {
        await sh(`umount ${q(at)}`);
      }
    } finally {
      await loop.detach();
    }
  }

  // Each builds and fills a filesystem through the kernel and reads it twice: minutes when
  // the machine is busy.
  for (const kind of KINDS) {
    it(
      kind.name,
      async () => {
        const { image, kernel } = await makeImage(kind);
        const file = await openFileReadAt(image);
        try {
          const tree = await extBrowseReader.open(file.read, file.size);
          expect(tree?.filesystem).toBe(kind.filesystem);
          // Listing the root: the superblock, a descriptor block, the root's inode, its
          // folder blocks (one or two reads) and its children's inodes, read together where
          // they lie close. The kernel puts each top-level folder in another block group (far
          // apart without flex_bg): at most one more read each.
          const rootEntries = await tree!.list(await tree!.root());
          expect(rootEntries.map((entry) => entry.name)).toContain('many');
          const folders = rootEntries.filter((entry) => entry.kind === 'folder').length;
          expect(file.counts.reads).toBeLessThanOrEqual(6 + folders);
          expect(file.counts.largest).toBeLessThanOrEqual(256 * 1024);
          console.log(
            `${kind.name}: root (${rootEntries.length} entries, ${folders} folders) listed in ` +
              `${file.counts.reads} reads of ${file.counts.bytes} bytes`,
          );
          expect(tree!.notes).toEqual([]);
          const browsed = await treeFromBrowser(tree!, { skipContent: isOver4G });
          expect(treeDifferences(kernel, browsed)).toEqual([]);
          // What the tree must hold, so that an empty comparison means something.
          const paths = new Set(kernel.map((r) => r.path));
          for (const path of [
            '/many/entry-3000.txt',
            `/${LONG_CJK}`,
            '/slow-link',
            '/nested/linked-b',
          ]) {
            expect(paths).toContain(path);
          }
          expect(browsed.find((r) => r.path === '/nested/linked-b')?.sameAs).toBe('/linked-a');
          expect(browsed.find((r) => r.path === '/chardev')?.kind).toBe('other');
          if (kind.big) {
            const big = browsed.find((r) => r.path === '/big.bin');
            expect(big?.size).toBe(110 * 2 ** 20 + 12345);
          }
          if (paths.has(OVER_4G)) await expectOver4G(tree!);
          // A path through the non-ASCII folder, as a CLI would walk it.
          const cafe = await browsePath(tree!, `/${UNICODE_FOLDER}/café.txt`);
          expect(cafe.size).toBe(2);
        } finally {
          await file.close();
        }
      },
      600_000,
    );
  }
});
