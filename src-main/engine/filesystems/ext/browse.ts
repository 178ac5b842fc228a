// Browsing ext2, ext3 and ext4, strictly read-only (it only calls ReadAt): folders by their
// records (linear and htree alike, or inline), files by their extents or block maps (holes
// and unwritten extents as zeros), inline data, fast and slow symlinks.
//
// What it does with the features it meets:
// - It refuses a filesystem only for an incompatible feature it cannot read (compression,
//   dirdata, an external journal device, unknown bits): "… is not supported". Read-only
//   compatible features need nothing to be read, by their definition (bigalloc included).
// - Encryption (fscrypt): the filesystem opens; an encrypted folder, file or symlink is a
//   BrowseError for that entry, since its names and bytes need a key.
// - Casefold: names are stored as typed, so folders list as usual; paths match exactly.
// - fs-verity: a verity file's bytes are ordinary (its hashes lie past its end): read as is.
// - A journal that needs recovery is not replayed: what the journal holds is not shown.
// Checksums (metadata_csum) are not verified: every structure is bounds-checked instead, and
// a damaged one is a BrowseError for the entry that holds it, never for the whole tree.

import { BrowseError, type BrowseReader, type Entry, type FilesystemTree } from '../browse.js';
import type { ReadAt } from '../../read-at.js';
import { Distrust } from '../../read-at.js';
import { chunks, pieces, runsOf } from './content.js';
import { readDirectory } from './directory.js';
import { inlineContent } from './inline-data.js';
import { FLAG_ENCRYPT, FLAG_INLINE_DATA, I_BLOCK_SIZE, parseInode, type Inode } from './inode.js';
import {
  featuresOf,
  INCOMPAT_CASEFOLD,
  INCOMPAT_ENCRYPT,
  INCOMPAT_RECOVER,
  isExtSuperblock,
  parseSuperblock,
  RO_COMPAT_VERITY,
  SUPERBLOCK_OFFSET,
  SUPERBLOCK_SIZE,
  type Superblock,
} from './superblock.js';
import { Damaged, ROOT_INODE, Volume } from './volume.js';

/** Incompatible features this reader reads (all but compression, journal_dev, dirdata). */
const INCOMPAT_READ =
  0x2 /* filetype */ |
  0x4 /* recover */ |
  0x10 /* meta_bg */ |
  0x40 /* extents */ |
  0x80 /* 64bit */ |
  0x100 /* mmp */ |
  0x200 /* flex_bg */ |
  0x400 /* ea_inode */ |
  0x2000 /* csum_seed */ |
  0x4000 /* largedir */ |
  0x8000 /* inline_data */ |
  0x10000 /* encrypt */ |
  0x20000; /* casefold */
const UNSUPPORTED_NAMES: Record<number, string> = {
  0x1: 'compression',
  0x8: 'an external journal device (it holds no files)',
  0x1000: 'dirdata',
};
/** Inodes kept after they are read (about 0.5 KiB each). */
const INODES_KEPT = 8192;
const STATE_ERRORS = 0x2;
const utf8 = new TextDecoder('utf-8');

export const extBrowseReader: BrowseReader = {
  name: 'ext',
  async open(read: ReadAt, size: number): Promise<FilesystemTree | null> {
    if (size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) return null;
    const raw = await read(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE);
    if (!isExtSuperblock(raw)) return null;
    const { incompat, filesystem } = featuresOf(raw);
    const unsupported = incompat & ~INCOMPAT_READ;
    if (unsupported) {
      const bit = unsupported & -unsupported;
      const what = UNSUPPORTED_NAMES[bit] ?? `feature 0x${unsupported.toString(16)}`;
      throw new BrowseError('damaged', '/', `${filesystem} with ${what} is not supported`);
    }
    const sb = checkedSuperblock(raw, size);
    return new ExtTree(new Volume(read, sb), notesFor(sb));
  },
};

function checkedSuperblock(raw: Buffer, size: number): Superblock {
  let sb: Superblock;
  try {
    sb = parseSuperblock(raw, size);
  } catch (error) {
    if (!(error instanceof Distrust)) throw error;
    throw new BrowseError('damaged', '/', `its superblock is damaged (${error.message})`);
  }
  if (
    sb.inodesPerGroup === 0 ||
    sb.inodesPerGroup > sb.blockSize * 8 ||
    sb.inodesCount > sb.groups * sb.inodesPerGroup ||
    sb.blockSize % sb.descSize !== 0 ||
    sb.firstInode < 11
  ) {
    throw new BrowseError('damaged', '/', 'its superblock is damaged (inode geometry)');
  }
  return sb;
}

function notesFor(sb: Superblock): string[] {
  const notes: string[] = [];
  if (sb.incompat & INCOMPAT_RECOVER) {
    notes.push(
      'The filesystem was not cleanly unmounted: changes still waiting in its journal are not shown.',
    );
  }
  if (sb.state & STATE_ERRORS) {
    notes.push('The filesystem recorded errors when it was last used: some files may be damaged.');
  }
  if (sb.incompat & INCOMPAT_ENCRYPT) {
    notes.push('Encrypted folders and files (fscrypt) cannot be opened without their key.');
  }
  if (sb.incompat & INCOMPAT_CASEFOLD) {
    notes.push('Case-insensitive folders show names as stored; paths are matched exactly.');
  }
  if (sb.roCompat & RO_COMPAT_VERITY) {
    notes.push('The fs-verity hashes of files are not checked.');
  }
  return notes;
}

/** Turns a Damaged into the BrowseError of the entry it was found in. */
function named(error: unknown, name: string): unknown {
  return error instanceof Damaged ? new BrowseError('damaged', name, error.message) : error;
}

class ExtTree implements FilesystemTree {
  readonly filesystem: string;
  readonly label: string | null;
  readonly caseInsensitive = false;
  private readonly inodes = new Map<number, Inode>();

  constructor(
    private readonly volume: Volume,
    readonly notes: string[],
  ) {
    const { sb } = volume;
    this.filesystem = sb.filesystem;
    // Labels are bytes; today's tools write UTF-8.
    const label = utf8.decode(sb.raw.subarray(0x78, 0x88)).replace(/\0.*$/s, '');
    this.label = label || null;
  }

  async root(): Promise<Entry> {
    try {
      const inode = await this.inode(ROOT_INODE);
      if (inode.kind !== 'folder') throw new Damaged('the root is not a folder');
      return entryOf('/', inode);
    } catch (error) {
      throw named(error, '/');
    }
  }

  async list(folder: Entry): Promise<Entry[]> {
    try {
      const inode = await this.inodeOf(folder);
      if (inode.kind !== 'folder')
        throw new BrowseError('not-a-folder', folder.name, 'not a folder');
      refuseEncrypted(inode);
      const records = await readDirectory(this.volume, inode);
      const children = await this.inodesOf(records.map((record) => record.inode));
      return records.map(({ name, inode: ino }) => {
        const child = children.get(ino)!;
        // A name whose inode cannot be read is still listed, as `ls` lists it ("?"): an
        // entry of unknown kind, size and time, whose opening says what is wrong.
        if (child instanceof Damaged) {
          return { name, kind: 'other', size: 0, mtimeMs: null, mode: null, key: String(ino) };
        }
        return entryOf(name, child);
      });
    } catch (error) {
      throw named(error, folder.name);
    }
  }

  async *read(file: Entry): AsyncIterable<Uint8Array> {
    try {
      const inode = await this.inodeOf(file);
      if (inode.kind !== 'file') throw new BrowseError('not-found', file.name, 'not a file');
      refuseEncrypted(inode);
      if (inode.flags & FLAG_INLINE_DATA) {
        if (inode.size > 0) yield inlineContent(inode);
        return;
      }
      const { volume } = this;
      yield* chunks(pieces(volume, runsOf(volume, inode, inode.size), inode.size));
    } catch (error) {
      throw named(error, file.name);
    }
  }

  async readLink(link: Entry): Promise<string> {
    try {
      const inode = await this.inodeOf(link);
      if (inode.kind !== 'symlink') throw new BrowseError('not-found', link.name, 'not a symlink');
      refuseEncrypted(inode);
      return utf8.decode(await this.linkTarget(inode));
    } catch (error) {
      throw named(error, link.name);
    }
  }

  /**
   * A symlink's target: inside the inode (inline data, or a "fast" symlink's i_block: the
   * kernel's rule is that it holds no data blocks), else in its one data block.
   */
  private async linkTarget(inode: Inode): Promise<Buffer> {
    const { volume } = this;
    if (inode.size > volume.blockSize) throw new Damaged('its target is longer than a block');
    if (inode.flags & FLAG_INLINE_DATA) return inlineContent(inode);
    if (inode.dataSectors === 0) {
      if (inode.size >= I_BLOCK_SIZE) throw new Damaged('its target does not fit its inode');
      return Buffer.from(inode.iBlock.subarray(0, inode.size));
    }
    const parts: Buffer[] = [];
    for await (const part of chunks(
      pieces(volume, runsOf(volume, inode, inode.size), inode.size),
    )) {
      parts.push(Buffer.from(part));
    }
    return Buffer.concat(parts);
  }

  /** The inode an entry of this tree stands for (its key is the inode number). */
  private async inodeOf(entry: Entry): Promise<Inode> {
    if (!/^[1-9][0-9]{0,9}$/.test(entry.key)) {
      throw new BrowseError('not-found', entry.name, 'not an entry of this filesystem');
    }
    return this.inode(Number(entry.key));
  }

  private async inode(ino: number): Promise<Inode> {
    const found = (await this.inodesOf([ino])).get(ino)!;
    if (found instanceof Damaged) throw found;
    return found;
  }

  /** Inodes by number, from those kept or read together; each one parsed or its Damaged. */
  private async inodesOf(inos: number[]): Promise<Map<number, Inode | Damaged>> {
    const result = new Map<number, Inode | Damaged>();
    const missing: number[] = [];
    for (const ino of inos) {
      const kept = this.inodes.get(ino);
      if (kept) result.set(ino, kept);
      else missing.push(ino);
    }
    if (missing.length === 0) return result;
    for (const [ino, raw] of await this.volume.readInodes(missing)) {
      if (raw instanceof Damaged) {
        result.set(ino, raw);
        continue;
      }
      try {
        const inode = parseInode(raw, ino, this.volume.sb);
        result.set(ino, inode);
        this.keep(inode);
      } catch (error) {
        if (!(error instanceof Damaged)) throw error;
        result.set(ino, error);
      }
    }
    return result;
  }

  private keep(inode: Inode): void {
    if (this.inodes.size >= INODES_KEPT) this.inodes.delete(this.inodes.keys().next().value!);
    this.inodes.set(inode.ino, inode);
  }
}

function refuseEncrypted(inode: Inode): void {
  if (inode.flags & FLAG_ENCRYPT) {
    throw new Damaged('it is encrypted (fscrypt) and cannot be read without its key');
  }
}

function entryOf(name: string, inode: Inode): Entry {
  const sized = inode.kind === 'file' || inode.kind === 'symlink';
  return {
    name,
    kind: inode.kind,
    size: sized ? inode.size : 0,
    mtimeMs: inode.mtimeMs,
    mode: inode.permissions,
    key: String(inode.ino),
  };
}
