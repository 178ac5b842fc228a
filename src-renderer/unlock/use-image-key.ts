// One image's key, for a screen that acts on an image now and then (a row of Images): each
// action first asks the engine whether the image opens (inspect: its header only), and when
// it is locked the field is shown; the action runs once a key opens it. The key is kept in
// this component's memory only, for the next action on the same image.

import { useCallback, useState } from 'react';
import type { ImageKey } from '../../src-shared/api.js';
import type { ApiClient } from '../../src-shared/api-client.js';
import type { Problem } from '../words/error-words.js';
import { lockOf, unlockProblem, withKey, type ImageLock } from './image-lock.js';

type Action = (key: ImageKey | null) => Promise<unknown>;

export interface Asking {
  lock: ImageLock;
  problem: Problem | null;
  busy: boolean;
}

export function useImageKey(api: ApiClient, image: string | null, onError: (e: unknown) => void) {
  const [key, setKey] = useState<ImageKey | null>(null);
  const [asking, setAsking] = useState<(Asking & { then: Action }) | null>(null);

  /** Runs `action` with the image's key, asking for the key first when the image is locked. */
  const guarded = useCallback(
    async (action: Action) => {
      if (!image) return;
      try {
        await api.inspectImage({ image, ...withKey(key) });
      } catch (error) {
        const lock = lockOf(error);
        if (lock === null) return onError(error);
        setAsking({ lock, problem: null, busy: false, then: action });
        return;
      }
      await action(key).catch(onError);
    },
    [api, image, key, onError],
  );

  const unlock = useCallback(
    async (given: ImageKey) => {
      if (!image || !asking) return;
      setAsking({ ...asking, busy: true, problem: null });
      try {
        await api.inspectImage({ image, key: given });
      } catch (error) {
        setAsking({ ...asking, busy: false, problem: unlockProblem(error, asking.lock) });
        return;
      }
      setKey(given);
      setAsking(null);
      await asking.then(given).catch(onError);
    },
    [api, image, asking, onError],
  );

  return { key, asking: asking as Asking | null, guarded, unlock };
}
