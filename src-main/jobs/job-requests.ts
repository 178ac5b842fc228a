// What a job request or a question does on the engine. The same code runs in the privileged
// helper (the app, `spillway ui`) and in-process (tests of the transports, a root CLI).

import { z } from 'zod';
import {
  BackupParamsSchema,
  CloneParamsSchema,
  ExtractParamsSchema,
  ImageKeySchema,
  READING_CALLS,
  RestoreParamsSchema,
  VerifyParamsSchema,
  type BackupParams,
} from '../../src-shared/api.js';
import type { JobResult } from '../../src-shared/protocol/events.js';
import { planBackup } from '../engine/backup/plan-backup.js';
import { clone } from '../engine/clone/clone.js';
import { planCloneOf } from '../engine/clone/clone-plan.js';
import { BrowserCache } from '../engine/browse/browser-cache.js';
import { HeldMounts } from '../engine/mount/held-mounts.js';
import { findInImage, imageFolder, partitionListing } from '../engine/browse/image-questions.js';
import { sampleCompression } from '../engine/sample/sample-compression.js';
import { checkDestination } from '../files/check-destination.js';
import { deleteImage } from '../files/delete-image.js';
import { ejectDrive } from '../files/eject-drive.js';
import { listFolder } from '../files/list-folder.js';
import { formatBytes } from '../../src-shared/units.js';
import type { ImageKey } from '../../src-shared/api.js';
import { identitiesIn, type AgeKeys } from '../engine/endpoints/age/age-keys.js';
import { readFile } from 'node:fs/promises';
import {
  SpillwayError,
  backup,
  describeTarget,
  extract,
  inspectImage,
  openImage,
  planRestore,
  restore,
  verify,
  type BackupOptions,
  type JobContext,
} from '../engine/index.js';

export const JobRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('backup'), params: BackupParamsSchema }),
  z.object({ kind: z.literal('restore'), params: RestoreParamsSchema }),
  z.object({ kind: z.literal('clone'), params: CloneParamsSchema }),
  z.object({ kind: z.literal('verify'), params: VerifyParamsSchema }),
  z.object({ kind: z.literal('extract'), params: ExtractParamsSchema }),
]);
export type JobRequest = z.infer<typeof JobRequestSchema>;

/** Questions that read drives or images (so they need the helper's rights): the API's
 *  reading calls, and the eject the handler allows after checking the drive list. */
export const QuestionSchema = z.discriminatedUnion('method', [
  ...READING_CALLS,
  z.object({
    method: z.literal('ejectDrive'),
    params: z.object({ path: z.string().min(1).max(4096), virtual: z.boolean() }),
  }),
  /** Mounts into a folder the API handler chose and made (never one a UI named). */
  z.object({
    method: z.literal('mountImage'),
    params: z.object({
      image: z.string().min(1).max(4096),
      folder: z.string().min(1).max(4096),
      key: ImageKeySchema.optional(),
    }),
  }),
  z.object({
    method: z.literal('unmountImage'),
    params: z.object({ folder: z.string().min(1).max(4096) }),
  }),
]);
export type Question = z.infer<typeof QuestionSchema>;

/**
 * What opens an encrypted image, from what the UI gave: the passphrase as typed, the keys
 * of an identity file read here (the helper may read what the user cannot). Undefined for
 * none: an encrypted image then says what it needs ('image-locked').
 */
async function ageKeysOf(key: ImageKey | undefined): Promise<AgeKeys | undefined> {
  if (!key) return undefined;
  const keys: AgeKeys = {};
  if (key.passphrase !== undefined) keys.passphrase = key.passphrase;
  if (key.identityFile !== undefined) {
    const text = await readFile(key.identityFile, 'utf8').catch((error: unknown) => {
      throw new SpillwayError('not-found', `${key.identityFile} cannot be read.`, {
        cause: error,
        facts: { file: key.identityFile! },
      });
    });
    keys.identities = identitiesIn(text);
    if (keys.identities.length === 0) {
      throw new SpillwayError('usage', `${key.identityFile} holds no age secret key.`, {
        facts: { file: key.identityFile },
      });
    }
  }
  return keys;
}

/** `{ age }` for an engine call's options, or nothing for a plain image. */
async function ageOption(key: ImageKey | undefined): Promise<{ age?: AgeKeys }> {
  const age = await ageKeysOf(key);
  return age ? { age } : {};
}

function backupOptions(params: BackupParams): BackupOptions {
  const { spillDir, spillMax, spillCompress, encrypt, ...rest } = params;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const spill = {
    ...(spillDir !== undefined ? { dir: spillDir } : {}),
    ...(spillMax !== undefined ? { max: spillMax } : {}),
    ...(spillCompress ? { compress: true } : {}),
  };
  return {
    ...(defined as typeof rest),
    ...(Object.keys(spill).length > 0 ? { spill } : {}),
    ...(encrypt
      ? { encrypt: { kind: 'passphrase' as const, passphrase: encrypt.passphrase } }
      : {}),
  };
}

export async function runJobRequest(request: JobRequest, context: JobContext): Promise<JobResult> {
  switch (request.kind) {
    case 'backup':
      return backup(backupOptions(request.params), context);
    case 'verify': {
      const { image, key } = request.params;
      return verify({ image, ...(await ageOption(key)) }, context);
    }
    case 'extract': {
      const { image, items, destination, replace, key } = request.params;
      return extract(
        { image, items, destination, replace: replace ?? false, ...(await ageOption(key)) },
        context,
      );
    }
    case 'restore': {
      const { image, target, confirmName, expect, readBack, unused, checkForeignFirst, key } =
        request.params;
      return restore(
        {
          image,
          target,
          ...(await ageOption(key)),
          ...(readBack !== undefined ? { readBack } : {}),
          ...(unused !== undefined ? { unused } : {}),
          ...(checkForeignFirst !== undefined ? { checkForeignFirst } : {}),
          // Only what the user typed can confirm: the target's name as the plan shows it
          // ("sdb", or a file's name). Checked here, where the writing happens.
          confirm: async (plan) => {
            if (expect) checkSameTarget(plan.target, expect);
            return confirmName === plan.target.name;
          },
        },
        context,
      );
    }
    case 'clone': {
      const { source, target, confirmName, expect, grow, newIds, readBack } = request.params;
      return clone(
        {
          source,
          target,
          ...(grow !== undefined ? { grow } : {}),
          ...(newIds !== undefined ? { newIds } : {}),
          ...(readBack !== undefined ? { readBack } : {}),
          // As for a restore: only the target's name as the user typed it confirms.
          confirm: async (plan) => {
            if (expect) checkSameTarget(plan.target, expect);
            return confirmName === plan.target.name;
          },
        },
        context,
      );
    }
  }
}

/** Refuses when the path now leads to another drive than the one the user confirmed. */
function checkSameTarget(
  now: { path: string; size: number | null; model?: string },
  expected: { size: number | null; model?: string },
): void {
  const sameModel = expected.model === undefined || expected.model === now.model;
  if (now.size === expected.size && sameModel) return;
  const was = [expected.model, expected.size !== null ? formatBytes(expected.size) : null];
  const is = [now.model, now.size !== null ? formatBytes(now.size) : null];
  throw new SpillwayError(
    'not-confirmed',
    `${now.path} is not the drive you confirmed (${describe(was)}): it is now ${describe(is)}. ` +
      'Nothing was written.',
    { facts: { target: now.path }, remedy: 'choose-drive-again' },
  );
}

const describe = (parts: Array<string | null | undefined>) =>
  parts.filter(Boolean).join(', ') || 'unknown';

/** Images kept open between questions about them (a UI browsing folder after folder). */
const browsers = new BrowserCache();

/** Images mounted for a UI, kept by this process until asked, or until it ends. */
const mounts = new HeldMounts();

/** Undoes every mount made here: the process (helper, runner) is ending. */
export function unmountEverything(): Promise<void> {
  return mounts.unmountAll();
}

export async function answerQuestion(question: Question): Promise<unknown> {
  switch (question.method) {
    case 'listPartitions':
      return browsers.use(
        question.params.image,
        partitionListing,
        await ageKeysOf(question.params.key),
      );
    case 'listImageFolder': {
      const { image, partition, path, key } = question.params;
      return browsers.use(
        image,
        (browser) => imageFolder(browser, partition, path),
        await ageKeysOf(key),
      );
    }
    case 'findInImage': {
      const { image, partition, pattern, path, key } = question.params;
      return browsers.use(
        image,
        (browser) => findInImage(browser, partition, pattern, path),
        await ageKeysOf(key),
      );
    }
    case 'sampleCompression': {
      const { source, codec, level, threads } = question.params;
      return sampleCompression(source, codec, level, threads);
    }
    case 'checkDestination':
      return checkDestination(question.params.folder);
    case 'listFolder':
      return listFolder(question.params.path);
    case 'deleteImage':
      return { removed: await deleteImage(question.params.image) };
    case 'ejectDrive':
      return ejectDrive(question.params.path, question.params.virtual);
    case 'mountImage':
      return mounts.mount(
        question.params.image,
        question.params.folder,
        await ageOption(question.params.key),
      );
    case 'unmountImage':
      await mounts.unmount(question.params.folder);
      return { folder: question.params.folder };
    case 'planBackup':
      return planBackup(question.params.source);
    case 'inspectImage':
      return inspectImage(question.params.image, undefined, await ageKeysOf(question.params.key));
    case 'planClone': {
      const { source, target, grow } = question.params;
      return planCloneOf(source, target, grow ?? 'largest');
    }
    case 'planRestore': {
      const image = await openImage(question.params.image, await ageOption(question.params.key));
      try {
        return await planRestore(image, await describeTarget(question.params.target));
      } finally {
        await image.input.close();
      }
    }
  }
}
