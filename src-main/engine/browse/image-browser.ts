// An image opened for browsing: its random-access reader, its partitions, and each one's
// filesystem opened once. What the CLI's ls, find and extract, the API and a mount go
// through. Errors name the partition and path they are about ("2:/docs: …").

import { endSentence } from '../../../src-shared/sentence.js';
import { SpillwayError } from '../errors.js';
import { BrowseError, browsePath, type Entry, type FilesystemTree } from '../filesystems/browse.js';
import {
  openImageReader,
  type ImageReader,
  type ReaderOptions,
} from '../random-access/image-reader.js';
import {
  isEntryProblem,
  openPartitions,
  type ImagePartition,
  type OpenedPartition,
  type PartitionLayout,
} from './image-partitions.js';
import { showImagePath } from './image-path.js';

/** A partition ready to browse. */
export interface BrowsablePartition {
  partition: ImagePartition;
  tree: FilesystemTree;
}

export class ImageBrowser {
  private opened: Promise<{
    table: PartitionLayout['table'];
    problem: string | null;
    opened: OpenedPartition[];
  }> | null = null;

  private constructor(readonly reader: ImageReader) {}

  /** Opens the image at `path` (a file, parts, ssh://…). */
  static async open(path: string, options: ReaderOptions = {}): Promise<ImageBrowser> {
    return new ImageBrowser(await openImageReader(path, options));
  }

  /** Browses an image already open for random access (closing the browser closes it). */
  static of(reader: ImageReader): ImageBrowser {
    return new ImageBrowser(reader);
  }

  get path(): string {
    return this.reader.path;
  }

  /** The partition table and every partition, with what can be browsed. */
  async layout(): Promise<PartitionLayout> {
    const { table, problem, opened } = await this.partitions();
    return { table, problem, partitions: opened.map((o) => o.partition) };
  }

  /**
   * Partition `index`, opened; with null, the one partition that holds files. Throws a
   * SpillwayError saying why when there is no such partition or its files cannot be read.
   */
  async partition(index: number | null): Promise<BrowsablePartition> {
    const { opened, problem } = await this.partitions();
    const browsable = opened.filter((o) => o.tree !== null);
    const numbers = (list: OpenedPartition[]) =>
      list.map((o) => o.partition.index).join(', ') || 'none';
    if (index === null) {
      if (browsable.length === 1) return browsable[0] as BrowsablePartition;
      if (browsable.length === 0) throw this.noFiles(problem);
      throw new SpillwayError(
        'usage',
        `${this.path} holds files in ${browsable.length} partitions (${numbers(browsable)}): say which one.`,
      );
    }
    const found = opened.find((o) => o.partition.index === index);
    if (!found) {
      throw new SpillwayError(
        'not-found',
        `${this.path} has no partition ${index} (it has ${numbers(opened)}).`,
      );
    }
    if (!found.tree) {
      const { filesystem, problem: why } = found.partition;
      throw new SpillwayError(
        'usage',
        `Partition ${index} of ${this.path}${filesystem ? ` (${filesystem})` : ''} holds no files ` +
          `Spillway can read: ${why ?? 'its filesystem is not one Spillway reads'}.`,
      );
    }
    return found as BrowsablePartition;
  }

  /** The entry at `path` of a partition; errors say which path and why. */
  async entry(
    where: BrowsablePartition,
    path: string,
    shownPartition: number | null = where.partition.index,
  ): Promise<Entry> {
    try {
      return await browsePath(where.tree, path);
    } catch (error) {
      throw entryError(error, shownPartition, path);
    }
  }

  async close(): Promise<void> {
    await this.reader.close();
  }

  private partitions() {
    this.opened ??= openPartitions(this.reader);
    return this.opened;
  }

  private noFiles(problem: string | null): SpillwayError {
    return new SpillwayError(
      'usage',
      `${this.path} holds no partition whose files Spillway can read${problem ? ` (${problem})` : ''}.`,
    );
  }
}

/**
 * An error met at `path` as a SpillwayError naming it: a missing path is 'not-found', a
 * damaged structure or image 'image-damaged'; anything else (a bug) passes unchanged.
 */
export function entryError(error: unknown, partition: number | null, path: string): unknown {
  if (!isEntryProblem(error)) return error;
  if (error instanceof SpillwayError) {
    return new SpillwayError(error.code, `${showImagePath(partition, path)}: ${error.message}`, {
      facts: error.facts,
      ...(error.remedy ? { remedy: error.remedy } : {}),
      cause: error,
    });
  }
  const at = showImagePath(partition, error.path.startsWith('/') ? error.path : path);
  return error.problem === 'damaged'
    ? new SpillwayError('image-damaged', `${at}: ${endSentence(error.reason)}`)
    : new SpillwayError('not-found', `${at}: ${endSentence(error.reason)}`);
}

/** Why an entry could not be read, in words, for reports that go on past it. */
export function problemOf(error: BrowseError | SpillwayError): string {
  // Reasons are joined into longer lines: without a closing full stop of their own.
  return (error instanceof BrowseError ? error.reason : error.message).replace(/\.$/, '');
}
