// The Browse screen's store: the image open, its partitions, the folders loaded (each one
// loaded when first opened; a damaged one holds its problem and the rest stays browsable),
// what is ticked (rules in browse-selection.ts), a name search per partition, and the copy
// out ("Restore to…"): where to, the room there, and the job.

import { create } from 'zustand';
import type {
  DestinationCheck,
  FindResult,
  ImageFolder,
  ImageKey,
  ImageMount,
} from '../../src-shared/api.js';
import { lockOf, unlockProblem, withKey, type ImageLock } from '../unlock/image-lock.js';
import type { PartitionListing } from '../../src-shared/api.js';
import type { ApiClient } from '../../src-shared/api-client.js';
import { useJobs } from '../jobs/jobs-store.js';
import { problemOf, type Problem } from '../words/error-words.js';
import { browseProblemOf } from './browse-words.js';
import {
  entryKey,
  extractItems,
  searchPattern,
  toggle,
  type Selection,
  type Ticked,
} from './browse-selection.js';

export type FolderLoad =
  | { state: 'loading' }
  | { state: 'ready'; folder: ImageFolder }
  | { state: 'problem'; problem: Problem };

export interface SearchState {
  partition: number;
  typed: string;
  busy: boolean;
  result: FindResult | null;
  problem: Problem | null;
}

/** The folder the files are copied into, as checked: a new folder is made in its parent. */
export type RoomCheck =
  | { state: 'checking' }
  | { state: 'ready'; folder: string; free: number; makesFolder: boolean }
  | { state: 'problem'; problem: Problem };

/** The image's partitions mounted read-only (Linux), for any program to open. */
export type MountView =
  | { state: 'none'; said: string | null }
  | { state: 'mounting' }
  | { state: 'mounted'; mount: ImageMount }
  | { state: 'unmounting'; mount: ImageMount };

export interface BrowseState {
  image: string | null;
  /** Where the user came from, to go back to. */
  from: 'images' | 'restore';
  listing: PartitionListing | null;
  listingProblem: Problem | null;
  partition: number | null;
  folders: Record<string, FolderLoad>;
  open: Record<string, boolean>;
  selection: Selection;
  search: SearchState | null;
  destination: string;
  room: RoomCheck | null;
  problem: Problem | null;
  jobId: string | null;
  mount: MountView;
  mountProblem: Problem | null;
  /** What opened the image, when it is encrypted (in memory only). */
  key: ImageKey | null;
  /** The image is encrypted and waits for its password or key file. */
  unlocking: { lock: ImageLock; problem: Problem | null; busy: boolean } | null;

  openImage(
    api: ApiClient,
    image: string,
    from: BrowseState['from'],
    key?: ImageKey | null,
  ): Promise<void>;
  /** Opens the encrypted image with a password or key file the user gave. */
  unlock(api: ApiClient, key: ImageKey): Promise<void>;
  choosePartition(api: ApiClient, partition: number): Promise<void>;
  toggleFolder(api: ApiClient, partition: number, path: string): Promise<void>;
  tick(entry: Ticked): void;
  clearTicks(): void;
  find(api: ApiClient, typed: string): Promise<void>;
  clearSearch(): void;
  setDestination(api: ApiClient, folder: string): Promise<void>;
  start(api: ApiClient): Promise<void>;
  cancel(api: ApiClient): Promise<void>;
  /** Back to choosing, after a copy ended. */
  finishCopy(): void;
  /** Mounts the image; the desktop app then opens the folder in the file manager. */
  mountImage(api: ApiClient, openFolder: boolean): Promise<void>;
  /** Opens the mounted image's folder in the file manager (the desktop app). */
  openMounted(api: ApiClient): Promise<void>;
  unmountImage(api: ApiClient): Promise<void>;
}

const fresh = {
  listing: null,
  listingProblem: null,
  partition: null,
  folders: {},
  open: {},
  selection: {},
  search: null,
  room: null,
  problem: null,
  jobId: null,
  mountProblem: null,
  unlocking: null,
} satisfies Partial<BrowseState>;

export const useBrowse = create<BrowseState>((set, get) => {
  async function load(api: ApiClient, partition: number, path: string): Promise<void> {
    const key = entryKey(partition, path);
    const known = get().folders[key];
    if (known && known.state !== 'problem') return;
    const image = get().image;
    set((s) => ({ folders: { ...s.folders, [key]: { state: 'loading' } } }));
    let next: FolderLoad;
    try {
      next = {
        state: 'ready',
        folder: await api.listImageFolder({
          image: image!,
          partition,
          path,
          ...withKey(get().key),
        }),
      };
    } catch (error) {
      next = { state: 'problem', problem: browseProblemOf(error) };
    }
    if (get().image !== image) return;
    set((s) => ({ folders: { ...s.folders, [key]: next } }));
  }

  /** Lists the image's partitions with `key`; a locked image asks for its key instead. */
  async function listImage(api: ApiClient, image: string, key: ImageKey | null): Promise<void> {
    let listing: PartitionListing;
    try {
      listing = await api.listPartitions({ image, ...withKey(key) });
    } catch (error) {
      if (get().image !== image) return;
      const asked = get().unlocking;
      const lock = lockOf(error);
      if (lock !== null) set({ unlocking: { lock, problem: null, busy: false } });
      else if (asked && key) {
        set({ unlocking: { ...asked, busy: false, problem: unlockProblem(error, asked.lock) } });
      } else set({ listingProblem: browseProblemOf(error) });
      return;
    }
    if (get().image !== image) return;
    set({ listing, key, unlocking: null });
    // Mounted earlier (the screen was left meanwhile): shown as mounted.
    const mounted = (await api.listMounts({}).catch(() => [])).find((m) => m.image === image);
    if (mounted && get().image === image) set({ mount: { state: 'mounted', mount: mounted } });
    const browsable = listing.partitions.filter((p) => p.browsable);
    if (browsable.length > 0) await get().choosePartition(api, browsable[0]!.index);
  }

  return {
    image: null,
    from: 'images',
    destination: '',
    mount: { state: 'none', said: null },
    key: null,
    ...fresh,

    async openImage(api, image, from, key = null) {
      // The same image again keeps what was opened and ticked.
      if (get().image === image && get().listing) {
        set({ from });
        return;
      }
      // Another image: the one mounted for this screen is undone first.
      if (get().mount.state === 'mounted') await get().unmountImage(api);
      set({ image, from, key, ...fresh, mount: { state: 'none', said: null } });
      await listImage(api, image, key);
    },

    async unlock(api, key) {
      const { image, unlocking } = get();
      if (!image || !unlocking) return;
      set({ unlocking: { ...unlocking, busy: true, problem: null } });
      await listImage(api, image, key);
    },

    async choosePartition(api, partition) {
      set({ partition, search: null });
      set((s) => ({ open: { ...s.open, [entryKey(partition, '/')]: true } }));
      await load(api, partition, '/');
    },

    async toggleFolder(api, partition, path) {
      const key = entryKey(partition, path);
      const opening = !get().open[key];
      set((s) => ({ open: { ...s.open, [key]: opening } }));
      if (opening) await load(api, partition, path);
    },

    tick: (entry) => set((s) => ({ selection: toggle(s.selection, entry) })),
    clearTicks: () => set({ selection: {} }),

    async find(api, typed) {
      const { image, partition } = get();
      const pattern = searchPattern(typed);
      if (!image || partition === null || pattern === null) return;
      set({ search: { partition, typed, busy: true, result: null, problem: null } });
      let result: FindResult | null = null;
      let problem: Problem | null = null;
      try {
        result = await api.findInImage({ image, partition, pattern, ...withKey(get().key) });
      } catch (error) {
        problem = browseProblemOf(error);
      }
      const now = get().search;
      if (now?.typed !== typed || now.partition !== partition) return;
      set({ search: { partition, typed, busy: false, result, problem } });
    },
    clearSearch: () => set({ search: null }),

    async setDestination(api, folder) {
      set({ destination: folder, room: null });
      if (!folder.startsWith('/')) return;
      set({ room: { state: 'checking' } });
      const room = await checkRoom(api, folder);
      if (get().destination === folder) set({ room });
    },

    async start(api) {
      const { image, selection, destination, room } = get();
      const items = extractItems(selection);
      if (!image || items.length === 0 || room?.state !== 'ready') return;
      set({ problem: null });
      try {
        const { jobId } = await api.startExtract({
          image,
          items,
          destination,
          ...withKey(get().key),
        });
        useJobs.getState().track(jobId, 'extract', `Copy files to ${destination}`);
        set({ jobId });
      } catch (error) {
        set({ problem: problemOf(error) });
      }
    },

    async cancel(api) {
      const { jobId } = get();
      // 'not-found': the job ended meanwhile, which is what cancelling wants.
      if (jobId) await api.cancel({ jobId }).catch(() => {});
    },

    finishCopy: () => set({ jobId: null, problem: null }),

    async mountImage(api, openFolder) {
      const { image } = get();
      if (!image || get().mount.state !== 'none') return;
      set({ mount: { state: 'mounting' }, mountProblem: null });
      let mount: ImageMount;
      try {
        mount = await api.mountImage({ image, ...withKey(get().key) });
      } catch (error) {
        if (get().image === image) {
          set({ mount: { state: 'none', said: null }, mountProblem: problemOf(error) });
        }
        return;
      }
      set({ mount: { state: 'mounted', mount } });
      if (openFolder) await get().openMounted(api);
    },

    async openMounted(api) {
      const now = get().mount;
      if (now.state !== 'mounted') return;
      set({ mountProblem: null });
      try {
        await api.openMountFolder({ folder: now.mount.folder });
      } catch (error) {
        set({ mountProblem: problemOf(error) });
      }
    },

    async unmountImage(api) {
      const now = get().mount;
      if (now.state !== 'mounted') return;
      set({ mount: { state: 'unmounting', mount: now.mount }, mountProblem: null });
      try {
        await api.unmountImage({ folder: now.mount.folder });
        set({ mount: { state: 'none', said: `Unmounted ${now.mount.folder}.` } });
      } catch (error) {
        set({ mount: now, mountProblem: problemOf(error) });
      }
    },
  };
});

/** The folder's free space; a folder not there yet is made in its parent, if that exists. */
async function checkRoom(api: ApiClient, folder: string): Promise<RoomCheck> {
  try {
    const here = await api.checkDestination({ folder });
    if (here.usable) return { state: 'ready', folder, free: here.free, makesFolder: false };
    if (here.problem !== 'missing') return { state: 'problem', problem: roomProblem(here) };
    const parent = folder.replace(/\/+$/, '').replace(/\/[^/]*$/, '') || '/';
    const up = await api.checkDestination({ folder: parent });
    if (up.usable) return { state: 'ready', folder, free: up.free, makesFolder: true };
    return {
      state: 'problem',
      problem: {
        message: `There is no folder ${folder}, and it cannot be made: ${parent} ${
          up.problem === 'missing'
            ? 'does not exist either'
            : up.problem === 'read-only'
              ? 'cannot be written to'
              : 'is not a folder'
        }.`,
        hint: 'Choose a folder that exists.',
      },
    };
  } catch (error) {
    return { state: 'problem', problem: problemOf(error) };
  }
}

function roomProblem(check: Extract<DestinationCheck, { usable: false }>): Problem {
  return check.problem === 'read-only'
    ? { message: `${check.folder} cannot be written to.`, hint: 'Choose another folder.' }
    : { message: `${check.folder} is a file, not a folder.`, hint: 'Choose a folder.' };
}
