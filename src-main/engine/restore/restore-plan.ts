// Before a restore writes anything: what the image is, what the target is, what will be
// erased, and every reason not to go ahead. Refusals are data (the UI shows them next to the
// drive); `restore` throws the first one.

import { realpath } from 'node:fs/promises';
import type { ErrorInfo } from '../../../src-shared/errors.js';
import type { Manifest } from '../../../src-shared/manifest.js';
import type { CheckLevel } from '../../../src-shared/protocol/events.js';
import type {
  GrowChoice,
  LayoutPlan,
  RestorePlan,
  TargetDescription,
} from '../../../src-shared/protocol/plans.js';
import {
  cautionRefusal,
  targetCautions,
  type TargetFacts,
} from '../../../src-shared/target-rules.js';
import { formatBytes } from '../../../src-shared/units.js';
import { tableWords } from '../device/drive-table.js';
import { pathsOnDevice, runsSystem } from '../device/target-facts.js';
import { errorFromInfo } from '../errors.js';
import type { OpenedImage } from '../format/image-layout.js';
import { knownPayloadSize } from '../image/stream-decoder.js';
import { planLayout, type LayoutRefusal } from '../layout/plan-layout.js';
import { shrinkVerdict } from '../layout/smaller-target.js';
import { describeUnused, discardSupport, unusedRanges } from './unused-space.js';

/**
 * The refusals every drive target gets, by the drive list's rules (src-shared/target-rules.ts):
 * the system drive, a drive in use, a read-only or empty drive, and one holding `holds`.
 */
export async function driveRefusals(
  target: TargetDescription,
  holds: string[] = [],
): Promise<ErrorInfo[]> {
  const facts: TargetFacts = {
    size: target.size ?? 0,
    readOnly: target.readOnly ?? false,
    system: await runsSystem(target),
    mounted: target.mounted,
    holds,
  };
  return targetCautions(facts).map((caution) => cautionRefusal(caution, target.path));
}

export function describeErase(target: TargetDescription): string {
  if (target.kind === 'file') {
    return target.exists ? `the file ${target.path}` : `nothing (${target.path} is a new file)`;
  }
  const details = [
    formatBytes(target.size ?? 0),
    target.model,
    target.table ? tableWords(target.table) : 'its partition table was not read',
  ].filter(Boolean);
  return `everything on ${target.path} (${details.join(', ')})`;
}

function badRangeNotes(manifest: Manifest | null): string[] {
  const bad = manifest?.badRanges ?? [];
  if (bad.length === 0) return [];
  const total = bad.reduce((sum, [a, b]) => sum + b - a, 0);
  return [
    `${formatBytes(total)} of the drive (${bad.length} range${bad.length === 1 ? '' : 's'}) could ` +
      `not be read when this image was made: those bytes are zeros.`,
  ];
}

function imageNotes(image: OpenedImage): { checkable: CheckLevel; notes: string[] } {
  if (image.layout === 'indexed') {
    return image.manifest
      ? { checkable: 'frames-and-stream-hash', notes: badRangeNotes(image.manifest) }
      : {
          checkable: 'codec-checksums',
          notes: [
            'A seekable zstd file without a Spillway manifest: frames are checked one by one.',
          ],
        };
  }
  if (image.layout === 'stream') {
    return {
      checkable: 'codec-checksums',
      notes: [
        `Made by another tool (${image.codec}, no index): decompressed in one sequential pass, ` +
          `checked only by ${image.codec}'s own checksums, no per-frame verify.`,
      ],
    };
  }
  return {
    checkable: 'none',
    notes: ['A plain, uncompressed image: it carries no checksums, so it cannot be checked.'],
  };
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const [ra, rb] = await Promise.all([realpath(a).catch(() => a), realpath(b).catch(() => b)]);
  return ra === rb;
}

async function anySameFile(path: string, files: string[]): Promise<boolean> {
  for (const file of files) if (await sameFile(path, file)) return true;
  return false;
}

/** A refusal of the layout, in words (too small is worded with the other size checks). */
export function layoutRefusal(refusal: LayoutRefusal): ErrorInfo | null {
  switch (refusal.code) {
    case 'no-such-partition':
      return {
        code: 'usage',
        message: `The drive has no partition ${refusal.partition} to grow.`,
      };
    case 'cannot-grow':
      return {
        code: 'usage',
        message:
          `Partition ${refusal.partition} holds ${refusal.filesystem ?? 'no filesystem Spillway knows'}: ` +
          'only ext2/3/4, NTFS, FAT and exFAT partitions can be grown.',
      };
    case 'target-too-small':
      return null;
  }
}

export async function planRestore(
  image: OpenedImage,
  target: TargetDescription,
  grow: GrowChoice = 'largest',
): Promise<RestorePlan> {
  const refusals: ErrorInfo[] = [];
  let shrinkTo: number | null = null;
  const payloadSize =
    image.layout === 'indexed' ? image.payloadSize : await knownPayloadSize(image);
  const manifest = image.layout === 'indexed' ? image.manifest : null;

  if (payloadSize === 0) {
    refusals.push({ code: 'not-an-image', message: `${image.input.path} holds no data.` });
  }
  const files = image.input.files;
  if (target.kind === 'file' && target.exists && (await anySameFile(target.path, files))) {
    refusals.push({
      code: 'target-holds-image',
      message: 'An image cannot be restored onto itself.',
    });
  }
  if (target.kind === 'device') {
    // The drive list's rules, for a target however it was chosen (typed paths included); any
    // part of the image on it is named as the user chose it, once.
    const holds = (await pathsOnDevice(target, files)).length > 0 ? [image.input.path] : [];
    refusals.push(...(await driveRefusals(target, holds)));
    const empty = (target.size ?? 0) === 0;
    if (!empty && payloadSize !== null && target.size !== null && payloadSize > target.size) {
      const verdict = shrinkVerdict(manifest, payloadSize, target.size);
      if (verdict.fits) {
        shrinkTo = target.size;
      } else {
        const why = [
          verdict.dataBytes > 0 ? `${formatBytes(verdict.dataBytes)} of data would not fit` : '',
          verdict.partition !== null ? `partition ${verdict.partition} would not fit` : '',
        ].filter(Boolean);
        refusals.push({
          code: 'target-too-small',
          message:
            `${target.path} is too small: the image needs ${formatBytes(payloadSize)} ` +
            `(${payloadSize} bytes), the drive holds ${formatBytes(target.size)}` +
            `${why.length > 0 ? `; ${why.join(' and ')}` : ''}.`,
          facts: { target: target.path, need: payloadSize, size: target.size },
          remedy: 'choose-larger-target',
        });
      }
    }
  }
  let layout: LayoutPlan | null = null;
  if (target.kind === 'device' && target.size !== null && payloadSize !== null) {
    const verdict = planLayout({
      source: manifest ?? { partitionTable: null, dontCare: [] },
      sourceSize: payloadSize,
      targetSize: target.size,
      grow,
    });
    if (verdict.ok) layout = verdict.layout;
    else {
      const refusal = layoutRefusal(verdict.refusal);
      if (refusal) refusals.push(refusal);
    }
  }
  const limit = shrinkTo ?? payloadSize ?? 0;
  const unused = unusedRanges(manifest?.dontCare ?? [], limit);
  return {
    layout,
    image: {
      path: image.input.path,
      layout: image.layout,
      codec: image.layout === 'raw' ? 'none' : image.codec,
      payloadSize,
      manifest,
      ...imageNotes(image),
    },
    target,
    erases: describeErase(target),
    refusals,
    shrinkTo,
    unused: describeUnused(unused, target, await discardSupport(target)),
  };
}

export function refusalError(refusal: ErrorInfo): Error {
  return errorFromInfo(refusal);
}
