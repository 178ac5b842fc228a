// The drives store over a real API: ticking "show all devices" while a refresh is under way
// must not be undone by that refresh's older answer (seen in the e2e run: the box unticked
// itself right after the click).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../src-main/test-support/temp-dir.js';
import { realApi, type RealApi } from '../test-support/real-api.js';
import { useDrives } from './drives-store.js';

describe('drives store', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let real: RealApi;
  beforeAll(async () => {
    dir = await tempDir();
    real = realApi(dir.path);
  });
  afterAll(async () => {
    real?.close();
    await dir?.remove();
  });

  it('a refresh that started before "show all" was ticked does not untick it', async () => {
    const store = useDrives.getState();
    const earlier = store.refresh(real.api);
    const ticked = store.setShowAll(real.api, true);
    await earlier;
    expect(useDrives.getState().showAll).toBe(true);
    await ticked;
    expect(useDrives.getState().showAll).toBe(true);
    expect((await real.api.getSettings({})).showAllDevices).toBe(true);
  });
});
