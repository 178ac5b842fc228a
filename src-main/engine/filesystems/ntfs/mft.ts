// The Master File Table as the browse reader sees it: the MFT located by its own record 0
// (its $DATA runs, in pieces over several records when the MFT is very fragmented), records
// read a block at a time through a small cache (a folder's entries usually sit near each
// other), and a file = its base record plus the extension records its $ATTRIBUTE_LIST names.

import { Distrust, type ReadAt } from '../../read-at.js';
import { parseAttributeList, type AttributeListEntry } from './attribute-values.js';
import type { NtfsGeometry } from './allocation.js';
import {
  ATTR_ATTRIBUTE_LIST,
  ATTR_DATA,
  ATTR_FLAG_COMPRESSION_MASK,
  ATTR_FLAG_ENCRYPTED,
  ATTR_FLAG_SPARSE,
  parseRecord,
  type Attribute,
  type MftRecord,
} from './records.js';
import { decodeRuns, joinPieces, readStream, type JoinedStream } from './runlist.js';
import { readStreamRange } from './stream-reader.js';

const MFT_RECORD = 0;
/** The MFT and attribute lists are plain clusters: never compressed, encrypted or sparse. */
const NOT_PLAIN = ATTR_FLAG_COMPRESSION_MASK | ATTR_FLAG_ENCRYPTED | ATTR_FLAG_SPARSE;
/** Bytes of the MFT read at once, and how many such blocks are kept. */
const BLOCK_BYTES = 64 * 1024;
const CACHED_BLOCKS = 64;
/** Windows caps an attribute list at 256 KiB; more is damage. */
const MAX_ATTRIBUTE_LIST = 256 * 1024;
/** Extension records one file may have (an attribute list of 256 KiB names at most ~8000). */
const MAX_EXTENSIONS = 8192;

/** A file's records merged: the base record's header and every attribute it owns. */
export interface NtfsFile {
  number: number;
  sequence: number;
  isDirectory: boolean;
  attributes: Attribute[];
  /** Whether some of its attributes are in other records (an attribute list names them). */
  extended: boolean;
}

export class Mft {
  private readonly blocks = new Map<number, Promise<Buffer>>();

  private constructor(
    private readonly read: ReadAt,
    private readonly g: NtfsGeometry,
    private readonly stream: JoinedStream,
    /** Records the MFT holds (its initialized bytes / the record size). */
    readonly records: number,
  ) {}

  /** Finds the MFT through record 0 (and, for a fragmented MFT, the records its list names). */
  static async open(read: ReadAt, g: NtfsGeometry): Promise<Mft> {
    const first = parseRecord(
      Buffer.from(await read(g.mftLcn * g.clusterSize, g.recordSize)),
      MFT_RECORD,
    );
    if (!first.inUse || first.baseRecord !== 0) {
      throw new Distrust('NTFS $MFT record is not in use');
    }
    const pieces = first.attributes.filter((a) => a.type === ATTR_DATA && a.nameLength === 0);
    const head = pieces.find((p) => p.nonResident?.lowestVcn === 0)?.nonResident;
    if (!head) throw new Distrust('NTFS $MFT has no data runs');
    const headRuns = decodeRuns(head.runlist, 0, g.clusters, '$MFT');
    if (headRuns[0]?.lcn !== g.mftLcn) {
      throw new Distrust('NTFS $MFT does not start where the boot sector says');
    }
    const list = first.attributes.find((a) => a.type === ATTR_ATTRIBUTE_LIST);
    if (list) {
      // The rest of the MFT's runs sit in records the runs known so far must reach (Windows
      // keeps them in the first extent): follow the pieces in VCN order.
      const runs = [...headRuns];
      const value = await attributeListValue(list, read, g, '$MFT');
      const rest = parseAttributeList(value, '$MFT')
        .filter((e) => e.type === ATTR_DATA && e.name === '' && e.record !== MFT_RECORD)
        .sort((a, b) => a.lowestVcn - b.lowestVcn);
      for (const entry of rest) {
        const at = entry.record * g.recordSize;
        const bytes = await readStream(read, runs, g.clusterSize, at, g.recordSize, '$MFT');
        const record = parseRecord(bytes, entry.record);
        if (!record.inUse || record.baseRecord !== MFT_RECORD) {
          throw new Distrust(`NTFS $MFT: record ${entry.record} does not extend it`);
        }
        const piece = record.attributes.find(
          (a) => a.type === ATTR_DATA && a.id === entry.id && a.nameLength === 0,
        );
        if (!piece?.nonResident) {
          throw new Distrust(`NTFS $MFT: record ${entry.record} lacks its piece`);
        }
        pieces.push(piece);
        const { runlist, lowestVcn } = piece.nonResident;
        for (const run of decodeRuns(runlist, lowestVcn, g.clusters, '$MFT')) runs.push(run);
      }
    }
    const stream = joinPieces(pieces, g.clusterSize, g.clusters, '$MFT');
    if (stream.flags & NOT_PLAIN || stream.runs.some((r) => r.lcn === null)) {
      throw new Distrust('NTFS $MFT is compressed or has holes');
    }
    return new Mft(read, g, stream, Math.floor(stream.initializedSize / g.recordSize));
  }

  /** Record `n` parsed (a private copy: fixups are applied in place). */
  async record(n: number): Promise<MftRecord> {
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.records) {
      throw new Distrust(`NTFS: MFT record ${n} is past the end of the MFT`);
    }
    const offset = n * this.g.recordSize;
    const blockStart = Math.floor(offset / BLOCK_BYTES) * BLOCK_BYTES;
    const block = await this.block(blockStart);
    const at = offset - blockStart;
    if (at + this.g.recordSize > block.length) {
      throw new Distrust(`NTFS: MFT record ${n} is past the end of the MFT`);
    }
    return parseRecord(Buffer.from(block.subarray(at, at + this.g.recordSize)), n);
  }

  private block(start: number): Promise<Buffer> {
    let block = this.blocks.get(start);
    if (block) {
      // Most recently used last.
      this.blocks.delete(start);
      this.blocks.set(start, block);
      return block;
    }
    const length = Math.min(BLOCK_BYTES, this.stream.initializedSize - start);
    block = readStreamRange(
      { read: this.read, clusterSize: this.g.clusterSize },
      { stream: this.stream, unitBytes: 0 },
      start,
      length,
      '$MFT',
    );
    this.blocks.set(start, block);
    // A failed read is not kept: the next caller tries again.
    void block.catch(() => this.blocks.delete(start));
    if (this.blocks.size > CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    return block;
  }

  /**
   * File `n` as its base record alone (in use, not an extension): enough for most questions;
   * `extended` says when attributes are elsewhere too (see file).
   */
  async baseFile(n: number): Promise<NtfsFile> {
    const base = await this.record(n);
    if (!base.inUse) throw new Distrust(`NTFS: MFT record ${n} is not in use (deleted)`);
    if (base.baseRecord !== 0) {
      throw new Distrust(`NTFS: MFT record ${n} is an extension of record ${base.baseRecord}`);
    }
    return {
      number: n,
      sequence: base.sequence,
      isDirectory: base.isDirectory,
      attributes: base.attributes,
      extended: base.attributes.some((a) => a.type === ATTR_ATTRIBUTE_LIST),
    };
  }

  /**
   * File `n` whole: its base record and the attributes of the extension records its
   * attribute list names, each checked to belong to it.
   */
  async file(n: number): Promise<NtfsFile> {
    const file = await this.baseFile(n);
    if (!file.extended) return file;
    const lists = file.attributes.filter((a) => a.type === ATTR_ATTRIBUTE_LIST);
    if (lists.length > 1) throw new Distrust(`NTFS: MFT record ${n} has two attribute lists`);
    const entries = parseAttributeList(
      await attributeListValue(lists[0]!, this.read, this.g, `MFT record ${n}`),
      `MFT record ${n}`,
    );
    const byRecord = new Map<number, AttributeListEntry[]>();
    for (const entry of entries) {
      if (entry.record === n) continue;
      const group = byRecord.get(entry.record) ?? [];
      group.push(entry);
      byRecord.set(entry.record, group);
    }
    if (byRecord.size > MAX_EXTENSIONS) {
      throw new Distrust(`NTFS: MFT record ${n} names ${byRecord.size} extension records`);
    }
    const attributes = [...file.attributes];
    for (const [number, wanted] of byRecord) {
      const extension = await this.record(number);
      if (
        !extension.inUse ||
        extension.baseRecord !== n ||
        wanted.some((e) => e.sequence !== 0 && e.sequence !== extension.sequence)
      ) {
        throw new Distrust(`NTFS: MFT record ${number}, named by record ${n}'s list, is not its`);
      }
      for (const entry of wanted) {
        const found = extension.attributes.find((a) => a.type === entry.type && a.id === entry.id);
        if (!found) {
          throw new Distrust(`NTFS: MFT record ${number} lacks an attribute record ${n} lists`);
        }
        if (found.type === ATTR_ATTRIBUTE_LIST) {
          throw new Distrust(`NTFS: MFT record ${number} holds a second attribute list`);
        }
        attributes.push(found);
      }
    }
    return { ...file, attributes };
  }
}

/** An attribute list's bytes: in the record, or in clusters of its own (without holes). */
async function attributeListValue(
  list: Attribute,
  read: ReadAt,
  g: NtfsGeometry,
  what: string,
): Promise<Buffer> {
  if (list.value) return list.value;
  const stream = joinPieces([list], g.clusterSize, g.clusters, `${what} attribute list`);
  if (stream.dataSize > MAX_ATTRIBUTE_LIST) {
    throw new Distrust(`NTFS ${what}: attribute list of ${stream.dataSize} bytes is too large`);
  }
  if (stream.runs.some((r) => r.lcn === null) || stream.flags & NOT_PLAIN) {
    throw new Distrust(`NTFS ${what}: attribute list is compressed or has holes`);
  }
  return readStreamRange(
    { read, clusterSize: g.clusterSize },
    { stream, unitBytes: 0 },
    0,
    stream.dataSize,
    `${what} attribute list`,
  );
}
