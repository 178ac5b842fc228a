// Browsing FAT12, FAT16 and FAT32 (what Windows calls FAT and FAT32, Linux vfat): folders, long
// names, sizes and modification times, and files' bytes, read straight from the partition's
// bytes and never written. The root folder is a fixed region on FAT12/16 and a cluster chain on
// FAT32; every other folder and file is a cluster chain through the FAT.
//
// An entry's key says where its clusters start: "d:<cluster>" a folder, "f:<cluster>" a file,
// "e:<folder key>:<index>" an empty file (it has no cluster), "root" the FAT12/16 root. A folder
// is known by its first cluster, so a folder whose entry points back at a folder above it (a
// damaged volume) has that folder's key: walkers stop there.

import { Distrust, type ReadAt } from '../../read-at.js';
import { BrowseError, type BrowseReader, type Entry, type FilesystemTree } from '../browse.js';
import { parseFatBootSector, type FatGeometry } from './boot-sector.js';
import { damagedAs } from './browse-errors.js';
import { chainRuns, readRange, readRuns, type ClusterHeap } from './cluster-chain.js';
import { DirectoryParser, ENTRY_BYTES, type FatDirent } from './directory.js';
import { fatTable, type FatTable } from './fat-table.js';

/** The most a folder may hold: 65,536 entries (the specification's limit, as Windows has it). */
const MAX_FOLDER_BYTES = 65536 * ENTRY_BYTES;

const ROOT_KEY = 'root';

class FatTree implements FilesystemTree {
  readonly filesystem = 'vfat';
  readonly caseInsensitive = true;
  readonly notes = [
    "FAT stores times without a time zone: they are read as this computer's local time",
  ];
  label: string | null = null;
  private readonly heap: ClusterHeap;
  private readonly fat: FatTable;
  private readonly rootEntry: Entry;
  /** The root's entries, read when opening (the label is among them). */
  private rootEntries: Entry[] | null = null;

  constructor(
    private readonly readAt: ReadAt,
    private readonly g: FatGeometry,
  ) {
    this.heap = {
      offset: g.dataOffset,
      clusterBytes: g.clusterBytes,
      clusterCount: g.clusterCount,
    };
    this.fat = fatTable(
      readAt,
      g.bits,
      g.fatOffset + g.activeFat * g.fatBytes,
      g.fatBytes,
      g.clusterCount,
    );
    this.rootEntry = {
      name: '/',
      kind: 'folder',
      size: 0,
      mtimeMs: null,
      mode: null,
      key: g.bits === 32 ? `d:${g.rootCluster}` : ROOT_KEY,
    };
  }

  /** Reads the root folder: its label entry names the volume (the boot sector's is a copy
   *  that tools do not always update). A root that cannot be read leaves the boot sector's. */
  async readRoot(): Promise<void> {
    let label: string | null = null;
    try {
      this.rootEntries = await this.listFolder(this.rootEntry, (found) => (label = found));
    } catch (error) {
      if (!(error instanceof BrowseError)) throw error;
    }
    const boot = this.g.bootLabel;
    this.label = label ?? (boot && boot !== 'NO NAME' ? boot : null);
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
    if (file.size === 0) return;
    const first = /^f:(\d+)$/.exec(file.key);
    if (!first) throw new BrowseError('not-found', file.name, 'not a file of this volume');
    const clusters = Math.ceil(file.size / this.g.clusterBytes);
    try {
      if (clusters > this.g.clusterCount) throw new Distrust('its size is larger than the volume');
      const runs = chainRuns(this.heap, this.fat, Number(first[1]), clusters, 'exactly');
      yield* readRuns(this.readAt, this.heap, runs, file.size);
    } catch (error) {
      throw damagedAs(file.name, error);
    }
  }

  readLink(link: Entry): Promise<string> {
    return Promise.reject(new BrowseError('not-found', link.name, 'FAT has no symbolic links'));
  }

  /** A folder's entries; its label entry, if any, goes to `onLabel`. */
  private async listFolder(folder: Entry, onLabel: (label: string) => void): Promise<Entry[]> {
    const entries: Entry[] = [];
    const parser = new DirectoryParser(this.g.bits === 32);
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

  private folderBytes(folder: Entry): AsyncIterable<Buffer> {
    if (folder.key === ROOT_KEY && this.g.bits !== 32) {
      return readRange(this.readAt, this.g.rootOffset, this.g.rootBytes);
    }
    const first = /^d:(\d+)$/.exec(folder.key);
    if (!first) throw new BrowseError('not-found', folder.name, 'not a folder of this volume');
    const most = Math.min(this.g.clusterCount, Math.ceil(MAX_FOLDER_BYTES / this.g.clusterBytes));
    const runs = chainRuns(this.heap, this.fat, Number(first[1]), most, 'at-most');
    return readRuns(this.readAt, this.heap, runs, null);
  }

  private entryOf(dirent: FatDirent, folderKey: string): Entry {
    const { name, folder, firstCluster, size, mtimeMs } = dirent;
    return {
      name,
      kind: folder ? 'folder' : 'file',
      size: folder ? 0 : size,
      mtimeMs,
      mode: null,
      key: folder
        ? `d:${firstCluster}`
        : size > 0
          ? `f:${firstCluster}`
          : `e:${folderKey}:${dirent.at}`,
    };
  }
}

export const fatBrowseReader: BrowseReader = {
  name: 'vfat',
  async open(read: ReadAt, size: number) {
    if (size < 512 * 16) return null;
    let geometry: FatGeometry | null;
    try {
      geometry = parseFatBootSector(await read(0, 512), size);
    } catch (error) {
      throw damagedAs('/', error);
    }
    if (!geometry) return null;
    const tree = new FatTree(read, geometry);
    await tree.readRoot();
    return tree;
  },
};
