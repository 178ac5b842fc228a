// Browsing exFAT: folders, names, sizes and modification times, and files' bytes, read straight
// from the partition's bytes and never written. A file's clusters are either contiguous
// (NoFatChain: the FAT does not list them) or a chain through the FAT; bytes past a file's
// ValidDataLength were never written and read as zeros. The allocation bitmap is not needed to
// read.
//
// Names are matched without case by browsePath, which lowercases with JavaScript; exFAT itself
// compares names up-cased through the volume's up-case table. Measured against the table
// mkfs.exfat writes (the specification's recommended one): they agree on the letters of
// everyday names (Latin, Greek, Cyrillic); JavaScript also folds about 300 pairs the table
// predates (Cherokee, Georgian, Latin and Cyrillic extensions) and the Kelvin, Ångström and Ohm
// signs with K, Å and Ω, while the table folds the final sigma ς with σ, which JavaScript keeps
// apart. A lookup typed in another case can differ from Windows' on those letters only; an
// exact name always matches. The table is therefore not read.
//
// An entry's key says where its bytes are: "d:<cluster>:<c|f>:<length>" a folder (c: contiguous,
// f: through the FAT), "f:<cluster>:<c|f>:<valid length>" a file, "e:<folder key>:<index>" an
// empty file, "bad:<folder key>:<index>:<problem>" an entry that cannot be read, "root" the root.

import { Distrust, type ReadAt } from '../../read-at.js';
import { BrowseError, type BrowseReader, type Entry, type FilesystemTree } from '../browse.js';
import { damagedAs } from '../fat/browse-errors.js';
import {
  chainRuns,
  contiguousRun,
  MAX_READ,
  readRuns,
  type ClusterHeap,
  type ClusterRun,
} from '../fat/cluster-chain.js';
import { fatTable, type FatTable } from '../fat/fat-table.js';
import {
  ACTIVE_FAT,
  bootRegionIsIntact,
  MEDIA_FAILURE,
  parseBootSector,
  VOLUME_DIRTY,
  type ExfatGeometry,
} from './boot-sector.js';
import { DirectoryParser, ENTRY_BYTES, type ExfatDirent } from './directory.js';

/** The specification's limit for one folder. */
const MAX_FOLDER_BYTES = 256 * 2 ** 20;
const REGION_SECTORS = 12;

/** What can be wrong with an entry found in a folder, and what the error then says. */
const PROBLEMS = {
  checksum: 'its directory entries fail their checksum',
  valid: 'its written length is larger than its size',
  size: 'its size is larger than the volume',
  unallocated: 'it has a size but no clusters',
  folder: 'the folder is larger than exFAT allows, or empty',
} as const;
type Problem = keyof typeof PROBLEMS;

class ExfatTree implements FilesystemTree {
  readonly filesystem = 'exfat';
  readonly caseInsensitive = true;
  label: string | null = null;
  private readonly heap: ClusterHeap;
  private readonly fat: FatTable;
  private readonly rootEntry: Entry = {
    name: '/',
    kind: 'folder',
    size: 0,
    mtimeMs: null,
    mode: null,
    key: 'root',
  };
  private rootEntries: Entry[] | null = null;

  constructor(
    private readonly readAt: ReadAt,
    private readonly g: ExfatGeometry,
    readonly notes: string[],
  ) {
    this.heap = {
      offset: g.heapOffset,
      clusterBytes: g.clusterBytes,
      clusterCount: g.clusterCount,
    };
    // TexFAT keeps two FATs and says which one is current.
    const active = g.fatCount === 2 && g.flags & ACTIVE_FAT ? 1 : 0;
    this.fat = fatTable(
      readAt,
      'exfat',
      g.fatOffset + active * g.fatBytes,
      g.fatBytes,
      g.clusterCount,
    );
  }

  /** Reads the root folder, where the volume label is. */
  async readRoot(): Promise<void> {
    let label: string | null = null;
    try {
      this.rootEntries = await this.listFolder(this.rootEntry, (found) => (label = found));
    } catch (error) {
      if (!(error instanceof BrowseError)) throw error;
    }
    this.label = label;
  }

  async root(): Promise<Entry> {
    return { ...this.rootEntry };
  }

  async list(folder: Entry): Promise<Entry[]> {
    if (folder.kind !== 'folder')
      throw new BrowseError('not-a-folder', folder.name, 'not a folder');
    if (folder.key === this.rootEntry.key && this.rootEntries) {
      return this.rootEntries.map((entry) => ({ ...entry }));
    }
    return this.listFolder(folder, () => {});
  }

  async *read(file: Entry): AsyncGenerator<Uint8Array> {
    if (file.kind !== 'file') throw new BrowseError('not-found', file.name, 'not a file');
    throwIfBad(file);
    if (file.size === 0) return;
    const key = /^f:(\d+):([cf]):(\d+)$/.exec(file.key);
    if (!key) throw new BrowseError('not-found', file.name, 'not a file of this volume');
    const valid = Number(key[3]);
    try {
      if (valid > 0) {
        const runs = this.runs(Number(key[1]), key[2] === 'c', valid);
        yield* readRuns(this.readAt, this.heap, runs, valid);
      }
    } catch (error) {
      throw damagedAs(file.name, error);
    }
    // Never written: zeros, as every exFAT driver returns them.
    for (let at = valid; at < file.size; at += MAX_READ) {
      yield new Uint8Array(Math.min(MAX_READ, file.size - at));
    }
  }

  readLink(link: Entry): Promise<string> {
    return Promise.reject(new BrowseError('not-found', link.name, 'exFAT has no symbolic links'));
  }

  /** The clusters of `bytes` bytes from `first`, contiguous or through the FAT. */
  private runs(first: number, contiguous: boolean, bytes: number): AsyncIterable<ClusterRun> {
    const clusters = Math.ceil(bytes / this.g.clusterBytes);
    if (clusters > this.g.clusterCount) throw new Distrust(PROBLEMS.size);
    return contiguous
      ? contiguousRun(this.heap, first, clusters)
      : chainRuns(this.heap, this.fat, first, clusters, 'exactly');
  }

  private folderBytes(folder: Entry): AsyncIterable<Buffer> {
    if (folder.key === 'root') {
      const most = Math.min(this.g.clusterCount, MAX_FOLDER_BYTES / this.g.clusterBytes);
      const runs = chainRuns(this.heap, this.fat, this.g.rootCluster, Math.ceil(most), 'at-most');
      return readRuns(this.readAt, this.heap, runs, null);
    }
    const key = /^d:(\d+):([cf]):(\d+)$/.exec(folder.key);
    if (!key) throw new BrowseError('not-found', folder.name, 'not a folder of this volume');
    const bytes = Number(key[3]);
    return readRuns(
      this.readAt,
      this.heap,
      this.runs(Number(key[1]), key[2] === 'c', bytes),
      bytes,
    );
  }

  /** A folder's entries; the label entry, if any, goes to `onLabel`. */
  private async listFolder(folder: Entry, onLabel: (label: string) => void): Promise<Entry[]> {
    throwIfBad(folder);
    const entries: Entry[] = [];
    const parser = new DirectoryParser();
    let index = 0;
    try {
      reading: for await (const bytes of this.folderBytes(folder)) {
        for (let at = 0; at + ENTRY_BYTES <= bytes.length; at += ENTRY_BYTES) {
          const event = parser.feed(bytes.subarray(at, at + ENTRY_BYTES), index++);
          if (event?.kind === 'end') break reading;
          if (event?.kind === 'label') onLabel(event.label);
          if (event?.kind === 'entry') entries.push(this.entryOf(event.dirent, folder.key));
        }
      }
    } catch (error) {
      throw damagedAs(folder.name, error);
    }
    return entries;
  }

  private entryOf(dirent: ExfatDirent, folderKey: string): Entry {
    const { name, folder, firstCluster, contiguous, dataLength, validLength } = dirent;
    const problem = this.problemOf(dirent);
    const chain = contiguous ? 'c' : 'f';
    return {
      name,
      kind: folder ? 'folder' : 'file',
      size: folder || problem ? 0 : dataLength,
      mtimeMs: problem === 'checksum' ? null : dirent.mtimeMs,
      mode: null,
      key: problem
        ? `bad:${folderKey}:${dirent.index}:${problem}`
        : folder
          ? `d:${firstCluster}:${chain}:${dataLength}`
          : dataLength > 0
            ? `f:${firstCluster}:${chain}:${validLength}`
            : `e:${folderKey}:${dirent.index}`,
    };
  }

  private problemOf(dirent: ExfatDirent): Problem | null {
    const heapBytes = this.g.clusterCount * this.g.clusterBytes;
    if (!dirent.intact) return 'checksum';
    if (dirent.dataLength > heapBytes) return 'size';
    if (dirent.validLength > dirent.dataLength) return 'valid';
    if (dirent.dataLength > 0 && !dirent.allocated) return 'unallocated';
    if (dirent.folder && (dirent.dataLength === 0 || dirent.dataLength > MAX_FOLDER_BYTES)) {
      return 'folder';
    }
    return null;
  }
}

/** An entry found damaged when its folder was listed: the error says how. */
function throwIfBad(entry: Entry): void {
  const bad = /^bad:.*:(\w+)$/.exec(entry.key);
  if (!bad) return;
  const reason = PROBLEMS[bad[1] as Problem] ?? 'its directory entries are damaged';
  throw new BrowseError('damaged', entry.name, reason);
}

/**
 * The boot region to trust: the main one (sectors 0–11) when its checksum holds, else the backup
 * (sectors 12–23), which formatting writes identically and drivers never rewrite. Null when the
 * main boot sector does not say exFAT.
 */
async function bootRegion(
  read: ReadAt,
  size: number,
): Promise<{ g: ExfatGeometry; notes: string[] } | null> {
  let damage: unknown;
  try {
    const g = parseBootSector(await read(0, 512), size);
    if (!g) return null;
    if (bootRegionIsIntact(await read(0, REGION_SECTORS * g.sectorBytes), g.sectorBytes)) {
      return { g, notes: [] };
    }
    damage = new Distrust('the boot sector fails its checksum');
  } catch (error) {
    if (!(error instanceof Distrust)) throw error;
    damage = error;
  }
  // The backup lies 12 sectors in; the damaged main sector may not say how large a sector is.
  for (const sectorBytes of [512, 1024, 2048, 4096]) {
    const regionBytes = REGION_SECTORS * sectorBytes;
    if (2 * regionBytes > size) break;
    const backup = await read(regionBytes, regionBytes);
    try {
      const g = parseBootSector(backup.subarray(0, 512), size);
      if (g?.sectorBytes === sectorBytes && bootRegionIsIntact(backup, sectorBytes)) {
        return { g, notes: ['the main boot sector is damaged: its backup copy was used'] };
      }
    } catch (error) {
      if (!(error instanceof Distrust)) throw error;
    }
  }
  throw damage;
}

export const exfatBrowseReader: BrowseReader = {
  name: 'exfat',
  async open(read: ReadAt, size: number) {
    if (size < 24 * 512) return null;
    let boot: Awaited<ReturnType<typeof bootRegion>>;
    try {
      boot = await bootRegion(read, size);
    } catch (error) {
      throw damagedAs('/', error);
    }
    if (!boot) return null;
    const notes = [...boot.notes];
    if (boot.g.flags & VOLUME_DIRTY) {
      notes.push('the volume was not cleanly removed: the files written last may be incomplete');
    }
    if (boot.g.flags & MEDIA_FAILURE) notes.push('the volume has recorded failures of its medium');
    const tree = new ExfatTree(read, boot.g, notes);
    await tree.readRoot();
    return tree;
  },
};
