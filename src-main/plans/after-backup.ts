// What follows a planned backup (the app's "Back up now"): the new image is verified, and only
// once it verified are the drive's images beyond the plan's N deleted (keep-last.ts decides
// which: never the new one, never outside the plan's folder). The backup's history entry
// records what was deleted; its 'done' event carries the same.

import { randomUUID } from 'node:crypto';
import type { HistoryEntry } from '../../src-shared/api.js';
import type { DrivePlan } from '../../src-shared/drive-plan.js';
import type {
  BackupResult,
  DoneEvent,
  ErrorEvent,
  JobEvent,
} from '../../src-shared/protocol/events.js';
import type { JobRequest } from '../jobs/job-requests.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { toErrorInfo } from '../engine/errors.js';
import { imageExists } from '../files/image-exists.js';
import { historyEntry } from '../jobs/history-entry.js';
import { imageRecords } from '../store/image-records.js';
import { keptImages } from './drive-images.js';
import { planPruning } from './keep-last.js';

export interface AfterBackup {
  runner: JobRunner;
  history: { list(): Promise<HistoryEntry[]> };
  plan: DrivePlan;
  /** Events of the verify and the warnings, under the backup's job id. */
  send(event: JobEvent): void;
  /** The verify's id in the runner while it runs (so a cancel reaches it), then null. */
  running(runnerId: string | null): void;
}

/** Verifies the new image, then deletes the drive's images beyond N. Returns the history
 *  entries to add (the backup's, with what was deleted; the verify's) and the done event. */
export async function afterPlannedBackup(
  backupEntry: HistoryEntry,
  done: DoneEvent & { result: BackupResult },
  deps: AfterBackup,
): Promise<{ entries: HistoryEntry[]; done: DoneEvent }> {
  const image = done.result.image;
  const verifyRequest: JobRequest = { kind: 'verify', params: { image } };
  const verifyId = randomUUID();
  const verifyStart = Date.now();
  deps.send({
    type: 'phase',
    t: verifyStart,
    job: 'backup',
    phase: 'verifying',
    message: `Verifying the new image ${image}`,
  });
  const verifyEnd = await new Promise<DoneEvent | ErrorEvent>((resolve) => {
    deps.running(verifyId);
    deps.runner
      .start(verifyId, verifyRequest, (event) => {
        if (event.type === 'done' || event.type === 'error') resolve(event);
        else deps.send(event);
      })
      .catch((error: unknown) =>
        resolve({ type: 'error', t: Date.now(), job: 'verify', error: toErrorInfo(error) }),
      );
  });
  deps.running(null);
  const verifyEntry = historyEntry(verifyId, verifyRequest, verifyStart, verifyEnd);
  const verified = verifyEntry.outcome === 'done' && verifyEntry.verified === true;

  const drive = deps.plan.drive;
  const records = imageRecords([...(await deps.history.list()), backupEntry, verifyEntry]);
  const present = await Promise.all(
    records.map(async (r) => ({ ...r, exists: await imageExists(r.path) })),
  );
  const pruning = planPruning({
    images: keptImages(present, drive),
    newImage: image,
    folder: deps.plan.destination,
    keep: deps.plan.keep,
  });
  const deleted: string[] = [];
  let freed = 0;
  for (const old of pruning.deletes) {
    try {
      await deps.runner.ask({ method: 'deleteImage', params: { image: old.path } });
      deleted.push(old.path);
      freed += old.bytes;
    } catch (error) {
      deps.send({
        type: 'warning',
        t: Date.now(),
        job: 'backup',
        message: `The old image ${old.path} could not be deleted: ${toErrorInfo(error).message}`,
      });
    }
  }
  return {
    entries: [{ ...backupEntry, deleted }, verifyEntry],
    done: {
      ...done,
      t: Date.now(),
      result: {
        ...done.result,
        planned: {
          verified,
          deleted,
          freed,
          ...(pruning.held ? { held: pruning.held } : {}),
        },
      },
    },
  };
}
