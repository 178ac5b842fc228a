// Browsing an NTFS volume, read-only: folders from their $I30 indexes, files' contents from
// their unnamed $DATA (resident, through runs with holes, or LZNT1-compressed), each entry
// described by its own MFT record (sizes from the data attribute, times from
// $STANDARD_INFORMATION), never by the possibly stale copy in the folder index.
//
// What is shown follows Windows and ntfs-3g:
// - the system files (MFT records 0-15: $MFT, $Bitmap, $LogFile, …, $Extend) are not listed;
// - a DOS 8.3 alias is not listed beside the long name it stands for; every other name is,
//   once, and the names of a hard-linked file share one key (its MFT record);
// - symlinks and junctions (reparse points) and ntfs-3g's Interix symlinks are symlinks;
//   other reparse points are 'other' (files) or stay folders; Interix FIFOs, sockets and
//   devices (as ntfs-3g makes them) are 'other';
// - alternate data streams are skipped; files encrypted with EFS are listed, not read.
// A damaged record or index is a BrowseError for that entry; its siblings still list.

import { BrowseError, type BrowseReader, type Entry, type FilesystemTree } from '../browse.js';
import { Distrust, type ReadAt } from '../../read-at.js';
import { ntfsGeometry, type NtfsGeometry } from './allocation.js';
import {
  FILE_ATTR_ENCRYPTED,
  FILE_ATTR_HIDDEN,
  FILE_ATTR_REPARSE_POINT,
  FILE_ATTR_SYSTEM,
  FILE_NAME_IS_DIRECTORY,
  NAMESPACE_DOS,
  parseReparsePoint,
  parseStandardInformation,
} from './attribute-values.js';
import { parseIndexRoot, walkIndex, type IndexEntry } from './folder-index.js';
import { Mft, type NtfsFile } from './mft.js';
import {
  ATTR_DATA,
  ATTR_FLAG_ENCRYPTED,
  ATTR_INDEX_ALLOCATION,
  ATTR_INDEX_ROOT,
  ATTR_REPARSE_POINT,
  ATTR_STANDARD_INFORMATION,
  ATTR_VOLUME_INFORMATION,
  ATTR_VOLUME_NAME,
  type Attribute,
} from './records.js';
import { joinPieces } from './runlist.js';
import {
  compressionUnitBytes,
  readStreamRange,
  streamChunks,
  streamSize,
  type StreamSource,
  type Volume,
} from './stream-reader.js';

const ROOT = 5;
const VOLUME = 3;
/** Records below this are the volume's own files, hidden as Windows and ntfs-3g do. */
const FIRST_USER_RECORD = 16;
const INDEX_NAME = '$I30';
/** Entries one folder may list: beyond, it is taken as damage (memory stays bounded). */
const MAX_FOLDER_ENTRIES = 1_000_000;
/** Parsed files kept for the next list or read. */
const CACHED_FILES = 4096;
const CACHED_WHOLE_FILES = 64;

/** Interix special files, as ntfs-3g makes them: a system file with a magic header. */
const INTERIX_SYMLINK = Buffer.from('IntxLNK\x01', 'latin1');
const INTERIX_DEVICES = [Buffer.from('IntxCHR\0', 'latin1'), Buffer.from('IntxBLK\0', 'latin1')];
/** ntfs-3g reads an Interix header only from files this small (a path of 4096 UTF-16 units). */
const INTERIX_MAX_SIZE = 8 + 2 * 4096;

const VOLUME_IS_DIRTY = 0x0001;
const DIRTY_NOTE =
  'Windows marked this volume as needing a check (chkdsk): some folders or files may be damaged or missing their latest changes.';

const NOTES = [
  'NTFS system files ($MFT, $Bitmap, $LogFile and the others in MFT records 0 to 15) are not listed, as Windows and ntfs-3g hide them.',
  'DOS 8.3 short names are not listed beside the long names they stand for.',
  'Alternate data streams are skipped: only each file’s main contents are read.',
  'Files encrypted by Windows (EFS) are listed but cannot be read without their owner’s key.',
  'Reparse points other than symlinks and junctions (cloud placeholders, files Windows compacted or deduplicated) are listed as "other" and not read; such folders are still listed.',
  'Special files made by ntfs-3g (FIFOs, sockets, devices) are listed as "other".',
];

/** What an MFT record holds, as far as browsing goes. */
interface Described {
  kind: Entry['kind'];
  size: number;
  mtimeMs: number;
  file: NtfsFile;
  data?: StreamSource;
  encrypted: boolean;
  target?: string;
}

export const ntfsBrowseReader: BrowseReader = {
  name: 'ntfs',
  async open(read: ReadAt, size: number): Promise<FilesystemTree | null> {
    if (size < 8192) return null;
    const boot = await read(0, 512);
    if (boot.toString('latin1', 3, 11) !== 'NTFS    ') return null;
    try {
      const g = ntfsGeometry(boot, size);
      const mft = await Mft.open(read, g);
      const { label, dirty } = await volumeInformation(mft);
      return new NtfsTree(read, g, mft, label, dirty ? [...NOTES, DIRTY_NOTE] : NOTES);
    } catch (error) {
      throw asBrowseError(error, '/');
    }
  },
};

class NtfsTree implements FilesystemTree {
  readonly filesystem = 'ntfs';
  readonly caseInsensitive = true;
  private readonly volume: Volume;
  private readonly described = new Map<number, Promise<Described>>();
  /** Files spread over several records, gathered (hard links read in turn use it). */
  private readonly wholeFiles = new Map<number, Promise<NtfsFile>>();

  constructor(
    read: ReadAt,
    private readonly g: NtfsGeometry,
    private readonly mft: Mft,
    readonly label: string | null,
    readonly notes: string[],
  ) {
    this.volume = { read, clusterSize: g.clusterSize };
  }

  async root(): Promise<Entry> {
    try {
      const root = await this.describe(ROOT);
      if (root.kind !== 'folder') throw new Distrust('NTFS root folder is not a folder');
      return {
        name: '/',
        kind: 'folder',
        size: 0,
        mtimeMs: root.mtimeMs,
        mode: null,
        key: key(ROOT, root.file.sequence),
      };
    } catch (error) {
      throw asBrowseError(error, '/');
    }
  }

  async list(folder: Entry): Promise<Entry[]> {
    let entries: IndexEntry[];
    try {
      const d = await this.entry(folder);
      if (d.kind !== 'folder') throw new BrowseError('not-a-folder', folder.name, 'not a folder');
      entries = await this.folderIndex(await this.whole(d.file));
    } catch (error) {
      throw asBrowseError(error, folder.name);
    }
    const listed: Entry[] = [];
    const self = Number(/^\d+/.exec(folder.key)![0]);
    for (const { record, sequence, fileName } of visibleNames(entries)) {
      // A folder holding itself is damage (and a loop for whoever walks it): not listed.
      if (record === self) continue;
      const entryKey = key(record, sequence);
      try {
        const d = await this.checked(record, sequence);
        listed.push({
          name: fileName.name,
          kind: d.kind,
          size: d.size,
          mtimeMs: d.mtimeMs,
          mode: null,
          key: entryKey,
        });
      } catch (error) {
        if (!(error instanceof Distrust)) throw error;
        // Listed as the folder index describes it, with nothing the record would have said:
        // listing it or reading it gives the BrowseError that says what is wrong.
        const kind = fileName.flags & FILE_NAME_IS_DIRECTORY ? 'folder' : 'file';
        listed.push({
          name: fileName.name,
          kind,
          size: 0,
          mtimeMs: null,
          mode: null,
          key: entryKey,
        });
      }
    }
    return listed;
  }

  async *read(file: Entry): AsyncIterable<Uint8Array> {
    let d: Described;
    try {
      d = await this.entry(file);
    } catch (error) {
      throw asBrowseError(error, file.name);
    }
    if (d.kind !== 'file') {
      const why =
        d.kind === 'other'
          ? 'not a plain file (a reparse point or special file): its contents are not read'
          : `not a file but a ${d.kind}`;
      throw new BrowseError('not-found', file.name, why);
    }
    if (d.encrypted) {
      throw new BrowseError(
        'damaged',
        file.name,
        'it is encrypted by Windows (EFS): its contents cannot be read without its owner’s key',
      );
    }
    try {
      const what = `MFT record ${d.file.number}`;
      const data = d.data ?? this.dataSource((await this.whole(d.file)).attributes, what);
      yield* streamChunks(this.volume, data, what);
    } catch (error) {
      throw asBrowseError(error, file.name);
    }
  }

  async readLink(link: Entry): Promise<string> {
    let d: Described;
    try {
      d = await this.entry(link);
    } catch (error) {
      throw asBrowseError(error, link.name);
    }
    if (d.kind !== 'symlink' || d.target === undefined) {
      throw new BrowseError('not-found', link.name, 'not a symlink');
    }
    return d.target;
  }

  /** The described record behind an entry this tree handed out. */
  private entry(entry: Entry): Promise<Described> {
    const match = /^(\d+):(\d+)$/.exec(entry.key);
    if (!match) throw new BrowseError('not-found', entry.name, 'not an entry of this volume');
    return this.checked(Number(match[1]), Number(match[2]));
  }

  /** Record `n` described, checked to be the one a folder entry with `sequence` meant. */
  private async checked(n: number, sequence: number): Promise<Described> {
    const d = await this.describe(n);
    if (sequence !== 0 && sequence !== d.file.sequence) {
      throw new Distrust(
        `NTFS: the folder entry points to MFT record ${n} as it was before being reused`,
      );
    }
    return d;
  }

  private describe(n: number): Promise<Described> {
    let d = this.described.get(n);
    if (!d) {
      d = this.mft.baseFile(n).then((file) => this.describeFile(file));
      this.described.set(n, d);
      // Damage is remembered; a failed read of the image (not the volume's fault) is not.
      d.catch((error: unknown) => {
        if (!(error instanceof Distrust)) this.described.delete(n);
      });
      if (this.described.size > CACHED_FILES) {
        this.described.delete(this.described.keys().next().value!);
      }
    }
    return d;
  }

  /** A file with all its attributes (those in extension records too). */
  private whole(file: NtfsFile): Promise<NtfsFile> {
    if (!file.extended) return Promise.resolve(file);
    let whole = this.wholeFiles.get(file.number);
    if (!whole) {
      whole = this.mft.file(file.number);
      this.wholeFiles.set(file.number, whole);
      if (this.wholeFiles.size > CACHED_WHOLE_FILES) {
        this.wholeFiles.delete(this.wholeFiles.keys().next().value!);
      }
    }
    return whole;
  }

  /**
   * What a file is, from its base record when that is enough: a listing then reads one
   * record per entry, even for files whose attributes spread over several (those are read
   * when the file is opened, or when the base record cannot tell).
   */
  private async describeFile(base: NtfsFile): Promise<Described> {
    const what = `MFT record ${base.number}`;
    const siAttr = base.attributes.find((a) => a.type === ATTR_STANDARD_INFORMATION);
    if (!siAttr?.value) throw new Distrust(`NTFS ${what}: no standard information`);
    const si = parseStandardInformation(siAttr.value, what);
    const firstData = base.attributes.find(
      (a) =>
        a.type === ATTR_DATA && a.nameLength === 0 && (a.value || a.nonResident?.lowestVcn === 0),
    );
    const needsWhole =
      si.fileAttributes & (FILE_ATTR_REPARSE_POINT | FILE_ATTR_SYSTEM) ||
      (!base.isDirectory && !firstData);
    const file = needsWhole ? await this.whole(base) : base;
    const attrs = file.attributes;
    const described = { size: 0, mtimeMs: si.mtimeMs, file, encrypted: false };
    const reparseAttr = attrs.find((a) => a.type === ATTR_REPARSE_POINT);
    const reparse = reparseAttr
      ? parseReparsePoint(await this.value(reparseAttr, what), what)
      : null;
    if (reparse?.target != null) {
      const { target } = reparse;
      return { ...described, kind: 'symlink', size: Buffer.byteLength(target), target };
    }
    if (file.isDirectory) return { ...described, kind: 'folder' };
    const encrypted =
      (si.fileAttributes & FILE_ATTR_ENCRYPTED) !== 0 ||
      attrs.some((a) => a.type === ATTR_DATA && a.flags & ATTR_FLAG_ENCRYPTED);
    if (file.extended && file === base) {
      // The size is in the first piece of $DATA; the pieces are joined when it is read.
      const size = firstData!.value?.length ?? firstData!.nonResident!.dataSize;
      return { ...described, kind: 'file', size, encrypted };
    }
    const data = this.dataSource(attrs, what);
    const size = streamSize(data);
    const asFile: Described = { ...described, kind: 'file', size, data, encrypted };
    if (reparse) return { ...asFile, kind: 'other' };
    if (si.fileAttributes & FILE_ATTR_SYSTEM && !encrypted) {
      return { ...asFile, ...(await this.interix(data, size, si.fileAttributes, what)) };
    }
    return asFile;
  }

  /**
   * ntfs-3g's Interix special files: a system file holding "IntxLNK\1" and a UTF-16 path is a
   * symlink, "IntxCHR\0"/"IntxBLK\0" a device; an empty one a FIFO and a one-byte one a socket
   * (unless hidden).
   */
  private async interix(
    data: StreamSource,
    size: number,
    fileAttributes: number,
    what: string,
  ): Promise<Partial<Described>> {
    if (size <= 1) return fileAttributes & FILE_ATTR_HIDDEN ? {} : { kind: 'other' };
    if (size < INTERIX_SYMLINK.length || size > INTERIX_MAX_SIZE) return {};
    const head = await readStreamRange(this.volume, data, 0, size, what);
    if (head.subarray(0, 8).equals(INTERIX_SYMLINK) && size % 2 === 0) {
      const target = head.toString('utf16le', 8);
      return { kind: 'symlink', size: Buffer.byteLength(target), target };
    }
    if (INTERIX_DEVICES.some((magic) => head.subarray(0, 8).equals(magic)))
      return { kind: 'other' };
    return {};
  }

  /** The unnamed $DATA: resident, or its non-resident pieces joined. */
  private dataSource(attrs: Attribute[], what: string): StreamSource {
    const pieces = attrs.filter((a) => a.type === ATTR_DATA && a.nameLength === 0);
    if (pieces.length === 0) throw new Distrust(`NTFS ${what}: no data stream`);
    const resident = pieces.filter((a) => a.value);
    if (resident.length > 0) {
      if (pieces.length > 1) throw new Distrust(`NTFS ${what}: two data streams`);
      return { resident: resident[0]!.value! };
    }
    const stream = joinPieces(pieces, this.g.clusterSize, this.g.clusters, `${what} data`);
    return { stream, unitBytes: compressionUnitBytes(stream, this.g.clusterSize, `${what} data`) };
  }

  /** An attribute's whole value (small ones only: reparse points). */
  private async value(attr: Attribute, what: string): Promise<Buffer> {
    if (attr.value) return attr.value;
    const stream = joinPieces([attr], this.g.clusterSize, this.g.clusters, what);
    if (stream.dataSize > 16 * 1024) throw new Distrust(`NTFS ${what}: reparse data is too large`);
    return readStreamRange(this.volume, { stream, unitBytes: 0 }, 0, stream.dataSize, what);
  }

  /** A folder's $I30 entries, in index order. */
  private async folderIndex(folder: NtfsFile): Promise<IndexEntry[]> {
    const what = `folder (MFT record ${folder.number})`;
    const named = (type: number) =>
      folder.attributes.filter((a) => a.type === type && a.name === INDEX_NAME);
    const roots = named(ATTR_INDEX_ROOT);
    if (roots.length !== 1 || !roots[0]!.value) {
      throw new Distrust(`NTFS ${what}: ${roots.length} index roots`);
    }
    const root = parseIndexRoot(roots[0]!.value, what);
    const pieces = named(ATTR_INDEX_ALLOCATION);
    const allocation =
      pieces.length > 0
        ? joinPieces(pieces, this.g.clusterSize, this.g.clusters, `${what} index`)
        : null;
    // Child pointers count clusters, or 512-byte blocks when a node is smaller than a cluster.
    const vcnBytes = root.blockSize >= this.g.clusterSize ? this.g.clusterSize : 512;
    const readBlock = async (vcn: number) => {
      const at = vcn * vcnBytes;
      if (!allocation || !Number.isSafeInteger(at) || at + root.blockSize > allocation.dataSize) {
        throw new Distrust(`NTFS ${what}: index block ${vcn} is outside its index`);
      }
      const source = { stream: allocation, unitBytes: 0 };
      return Buffer.from(await readStreamRange(this.volume, source, at, root.blockSize, what));
    };
    return walkIndex(root, readBlock, MAX_FOLDER_ENTRIES, what);
  }
}

/**
 * The volume label ($VOLUME_NAME of $Volume; none when missing or damaged), and whether
 * Windows marked the volume dirty (to be checked by chkdsk).
 */
async function volumeInformation(mft: Mft): Promise<{ label: string | null; dirty: boolean }> {
  try {
    const volume = await mft.file(VOLUME);
    const name = volume.attributes.find((a) => a.type === ATTR_VOLUME_NAME)?.value;
    const info = volume.attributes.find((a) => a.type === ATTR_VOLUME_INFORMATION)?.value;
    return {
      label: name && name.length > 0 ? name.toString('utf16le') : null,
      dirty:
        info !== undefined && info.length >= 12 && (info.readUInt16LE(10) & VOLUME_IS_DIRTY) !== 0,
    };
  } catch (error) {
    if (error instanceof Distrust) return { label: null, dirty: false };
    throw error;
  }
}

/**
 * The names a folder shows: not the system files, not a DOS alias of a name the same record
 * has here, each (record, name) once, and only names a path can hold.
 */
function visibleNames(entries: IndexEntry[]): IndexEntry[] {
  const longNamed = new Set(
    entries.filter((e) => e.fileName.namespace !== NAMESPACE_DOS).map((e) => e.record),
  );
  const seen = new Set<string>();
  return entries.filter((e) => {
    const name = e.fileName.name;
    if (e.record < FIRST_USER_RECORD) return false;
    if (e.fileName.namespace === NAMESPACE_DOS && longNamed.has(e.record)) return false;
    // A name with '/' or NUL, or '.', '..', '' cannot be walked to (damage): not shown.
    if (name === '' || name === '.' || name === '..' || /[/\0]/.test(name)) return false;
    const id = `${e.record}/${name}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function key(record: number, sequence: number): string {
  return `${record}:${sequence}`;
}

/** Distrust (on-disk data that does not add up) becomes a BrowseError about `path`. */
function asBrowseError(error: unknown, path: string): unknown {
  if (error instanceof Distrust) return new BrowseError('damaged', path, error.message);
  return error;
}
