// Before a restore writes anything: what the image is, what the target is, what will be
// erased, and every reason not to go ahead. Refusals are data (the UI shows them next to the
// drive); `restore` throws the first one.

import { realpath } from 'node:fs/promises';
import type { ErrorInfo } from '../../../src-shared/errors.js';
import type { Manifest } from '../../../src-shared/manifest.js';
import type { CheckLevel } from '../../../src-shared/protocol/events.js';
import type { RestorePlan, TargetDescription } from '../../../src-shared/protocol/plans.js';
import { formatBytes } from '../../../src-shared/units.js';
import { disksUnderPath } from '../device/mounts.js';
import { SpillwayError } from '../errors.js';
import type { OpenedImage } from '../format/image-layout.js';
import { knownPayloadSize } from '../image/stream-decoder.js';
import { shrinkVerdict } from './smaller-target.js';
import { describeUnused, discardSupport, unusedRanges } from './unused-space.js';

function describeErase(target: TargetDescription): string {
  if (target.kind === 'file') {
    return target.exists ? `the file ${target.path}` : `nothing (${target.path} is a new file)`;
  }
  const parts = target.partitions.length;
  const details = [
    formatBytes(target.size ?? 0),
    target.model,
    parts > 0 ? `${parts} partition${parts === 1 ? '' : 's'}` : 'no partitions',
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

export async function planRestore(
  image: OpenedImage,
  target: TargetDescription,
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
    const imageDisks = new Set<string>();
    for (const file of files) for (const disk of await disksUnderPath(file)) imageDisks.add(disk);
    const shared = target.disks.filter((disk) => imageDisks.has(disk));
    if (shared.length > 0) {
      refusals.push({
        code: 'target-holds-image',
        message: `${target.path} holds the image being restored (${image.input.path}).`,
        hint: 'Copy the image to another drive first, or restore to a different drive.',
      });
    }
    const backing = target.backingFile;
    if (backing && (await anySameFile(backing, files))) {
      refusals.push({
        code: 'target-holds-image',
        message: `${target.path} is the image file itself, attached as a loop device.`,
      });
    }
    const systemDisks = await disksUnderPath('/');
    if (target.disks.some((disk) => systemDisks.has(disk))) {
      refusals.push({
        code: 'target-is-system',
        message: `${target.path} is the drive this computer runs from.`,
        hint: 'Restore to another drive.',
      });
    }
    if (target.mounted.length > 0) {
      const where = target.mounted.map((m) => `${m.device} on ${m.mountPoint}`).join(', ');
      refusals.push({
        code: 'target-mounted',
        message: `${target.path} is in use: ${where}.`,
        hint: 'Unmount (eject) its partitions first, then try again.',
      });
    }
    if (payloadSize !== null && target.size !== null && payloadSize > target.size) {
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
          hint: 'Choose a drive at least as large as the one the image was made from.',
        });
      }
    }
  }
  const limit = shrinkTo ?? payloadSize ?? 0;
  const unused = unusedRanges(manifest?.dontCare ?? [], limit);
  return {
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

export function refusalError(refusal: ErrorInfo): SpillwayError {
  return new SpillwayError(
    refusal.code,
    refusal.message,
    refusal.hint ? { hint: refusal.hint } : {},
  );
}
