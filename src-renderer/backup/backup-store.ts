// The backup wizard's store: the draft (backup-draft.ts holds its rules) and the API calls
// each step makes — plan the source, sample the compression, check the destination — and
// the job it starts, then the verify after it.

import { create } from 'zustand';
import type { ApiClient } from '../../src-shared/api-client.js';
import { CODEC_LEVELS } from '../../src-shared/codec-facts.js';
import type { CodecName } from '../../src-shared/manifest.js';
import { useJobs } from '../jobs/jobs-store.js';
import { useDrives } from '../store/drives-store.js';
import { jobTitle, nameOf } from '../words/drive-words.js';
import { problemOf } from '../words/error-words.js';
import { wizardCore, type WizardCoreActions, type WizardCoreState } from '../store/wizard-core.js';
import {
  backupParams,
  defaultFileName,
  drivePlanOf,
  newBackupDraft,
  withExtension,
  stepProblem,
  BACKUP_STEPS,
  NO_ENCRYPTION,
  type AdvancedSettings,
  type BackupDraft,
  type Encryption,
} from './backup-draft.js';

export interface BackupWizardState extends WizardCoreState<BackupDraft>, WizardCoreActions {
  sampling: boolean;
  /** The verify of the image the backup job (`jobId`) made. */
  verifyJobId: string | null;
  /** The backup whose verify has been asked for: asked once, however often it renders. */
  verifyAskedFor: string | null;
  chooseSource(api: ApiClient, source: string): Promise<void>;
  setMode(mode: 'used' | 'raw'): void;
  setCodec(codec: CodecName): void;
  setLevel(level: number): void;
  setAdaptive(on: boolean): void;
  sample(api: ApiClient): Promise<void>;
  setFolder(api: ApiClient, folder: string): Promise<void>;
  setFileName(name: string): void;
  setSplit(on: boolean): void;
  setAdvanced(change: Partial<AdvancedSettings>): void;
  setVerifyAfter(on: boolean): void;
  setRemember(on: boolean): void;
  setKeep(text: string): void;
  setAutoStart(on: boolean): void;
  /** "Encrypt with a password": on or off (the name gains or loses .age), the two
   *  passwords, the tick that it is stored. */
  setEncryption(change: Partial<Encryption>): void;
  /** After a backup ends: verify the image it made (unless skipped). */
  verify(api: ApiClient, image: string): Promise<void>;
  /** Another backup with the same settings: a new default name, the folder listed again. */
  again(api: ApiClient): Promise<void>;
}

/** What the drive list calls the source (its path when the list does not show it). */
const driveName = (source: string) => nameOf(source, useDrives.getState().drives);

export const useBackupWizard = create<BackupWizardState>((set, get) => {
  const core = wizardCore(set, get, { steps: BACKUP_STEPS, stepProblem });
  const { update } = core;
  /** The password is dropped once nothing needs it; the next backup asks for one anew. */
  const forgetPassword = () =>
    update({ encryption: { ...NO_ENCRYPTION, on: get().draft.encryption.on } });

  return {
    draft: newBackupDraft(),
    problem: null,
    sampling: false,
    jobId: null,
    verifyJobId: null,
    verifyAskedFor: null,

    async chooseSource(api, source) {
      update({ source, plan: null, sample: null });
      set({ problem: null });
      try {
        const plan = await api.planBackup({ source });
        if (get().draft.source !== source) return; // the user chose another meanwhile
        const { codec, taken, fileNameChosen, fileName } = get().draft;
        update({
          plan,
          fileName: fileNameChosen
            ? fileName
            : defaultFileName(
                source,
                codec,
                new Date(),
                taken ?? [],
                driveName(source),
                get().draft.encryption.on,
              ),
        });
      } catch (error) {
        // An answer about a source the user has since changed is no longer news.
        if (get().draft.source !== source) return;
        set({ problem: problemOf(error) });
        update({ source: null });
      }
    },
    setMode: (mode) => update({ mode }),
    setCodec(codec) {
      const { draft } = get();
      update({
        codec,
        level: CODEC_LEVELS[codec].default,
        adaptive: codec === 'zstd' && draft.adaptive,
        fileName:
          draft.fileNameChosen || !draft.source
            ? withExtension(draft.fileName, codec, draft.encryption.on)
            : defaultFileName(
                draft.source,
                codec,
                new Date(),
                draft.taken ?? [],
                driveName(draft.source),
                draft.encryption.on,
              ),
        sample: null,
      });
    },
    setLevel: (level) => update({ level }),
    setAdaptive: (adaptive) => update({ adaptive }),
    async sample(api) {
      const { source, codec, level, advanced } = get().draft;
      if (!source) return;
      set({ sampling: true });
      try {
        // Timed on the threads the backup will use: the advanced setting when one is given.
        const threads = Number(advanced.threads);
        const sample = await api.sampleCompression({
          source,
          codec,
          level,
          ...(advanced.threads.trim() !== '' &&
          Number.isInteger(threads) &&
          threads >= 1 &&
          threads <= 256
            ? { threads }
            : {}),
        });
        const now = get().draft;
        if (now.codec === codec && now.level === level) update({ sample });
      } catch (error) {
        set({ problem: problemOf(error) });
      } finally {
        set({ sampling: false });
      }
    },
    async setFolder(api, folder) {
      update({ folder, destination: null, taken: null });
      if (folder.trim() === '') return;
      try {
        const destination = await api.checkDestination({ folder });
        // The names there: a default name avoids them, a chosen one is flagged before Start.
        const taken = destination.usable
          ? (await api.listFolder({ path: folder })).entries.map((e) => e.name)
          : [];
        const draft = get().draft;
        if (draft.folder !== folder) return;
        // FAT32 cannot hold a 4 GiB file: splitting is pre-checked there.
        update({
          destination: { ...destination, folder },
          taken,
          split: destination.usable && destination.splitAt !== null,
          ...(draft.fileNameChosen || !draft.source
            ? {}
            : {
                fileName: defaultFileName(
                  draft.source,
                  draft.codec,
                  new Date(),
                  taken,
                  driveName(draft.source),
                  draft.encryption.on,
                ),
              }),
        });
      } catch (error) {
        if (get().draft.folder === folder) set({ problem: problemOf(error) });
      }
    },
    setFileName: (fileName) => update({ fileName, fileNameChosen: true }),
    setSplit: (split) => update({ split }),
    setAdvanced: (change) => update({ advanced: { ...get().draft.advanced, ...change } }),
    setVerifyAfter: (verifyAfter) => update({ verifyAfter }),
    setRemember: (remember) => update({ remember }),
    setKeep: (keep) => update({ keep }),
    setAutoStart: (autoStart) => update({ autoStart }),
    setEncryption(change) {
      const { draft } = get();
      const encryption = { ...draft.encryption, ...change };
      update({
        encryption,
        ...(encryption.on !== draft.encryption.on
          ? { fileName: withExtension(draft.fileName, draft.codec, encryption.on) }
          : {}),
      });
    },
    next: core.next,
    back: core.back,
    async start(api) {
      const { draft } = get();
      await core.startJob(
        'backup',
        async () => {
          // The plan first: "Back up now" finds this backup's image as the drive's latest.
          const drive = useDrives.getState().drives.find((d) => d.path === draft.source);
          const plan = draft.remember && drive ? drivePlanOf(draft, drive.identity) : null;
          if (plan) await api.savePlan(plan);
          const { jobId } = await api.startBackup(backupParams(draft));
          const title = jobTitle('backup', draft.source ?? '', useDrives.getState().drives);
          return { jobId, title };
        },
        () => {
          // Not kept longer than needed: the verify after the backup is the last use.
          if (!draft.verifyAfter) forgetPassword();
          set({ verifyJobId: null });
        },
      );
    },
    async verify(api, image) {
      const { jobId: backupJob, verifyAskedFor } = get();
      if (!backupJob || verifyAskedFor === backupJob) return;
      set({ verifyAskedFor: backupJob });
      const { encryption } = get().draft;
      try {
        const { jobId } = await api.startVerify({
          image,
          ...(encryption.on ? { key: { passphrase: encryption.password } } : {}),
        });
        forgetPassword();
        useJobs.getState().track(jobId, 'verify', `Verify ${image}`);
        set({ verifyJobId: jobId });
      } catch (error) {
        set({ problem: problemOf(error) });
      }
    },
    // The verify after the backup, once there is one.
    cancel: (api) => core.cancelJob(api, get().verifyJobId ?? get().jobId),
    async again(api) {
      const { draft } = get();
      set({ problem: null, jobId: null, verifyJobId: null, verifyAskedFor: null });
      update({ step: 'source', fileNameChosen: false });
      forgetPassword();
      if (draft.folder.trim() !== '') await get().setFolder(api, draft.folder);
    },
    reset: () =>
      set({
        draft: newBackupDraft(),
        problem: null,
        jobId: null,
        verifyJobId: null,
        verifyAskedFor: null,
      }),
  };
});
