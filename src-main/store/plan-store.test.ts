// Plans per drive survive a restart (a new store over the same folder), are found by the
// drive's serial number and size whatever its /dev name, and a damaged file counts as none.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrivePlan } from '../../src-shared/drive-plan.js';
import { tempDir } from '../test-support/temp-dir.js';
import { openPlans } from './plan-store.js';

const plan = (serial: string | null, size: number, keep: number | null = 3): DrivePlan => ({
  drive: { serial, model: 'Samsung T7', size },
  destination: '/media/backup/ssd',
  codec: 'zstd',
  level: 3,
  mode: 'used',
  keep,
  autoStart: false,
});

describe('plan store', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('keeps plans per drive across a restart', async () => {
    const data = join(dir.path, 'restart');
    const before = openPlans(data);
    await Promise.all([before.put(plan('S1', 1000)), before.put(plan('S2', 1000, null))]);
    await before.put(plan('S1', 1000, 5));
    const after = openPlans(data);
    expect(await after.get({ serial: 'S1', model: 'Samsung T7', size: 1000 })).toEqual(
      plan('S1', 1000, 5),
    );
    expect((await after.list()).map((p) => p.drive.serial).sort()).toEqual(['S1', 'S2']);
    // Same serial, other size: another drive (or the same one repartitioned by its maker).
    expect(await after.get({ serial: 'S1', model: 'Samsung T7', size: 2000 })).toBeNull();
    await after.remove({ serial: 'S2', model: null, size: 1000 });
    expect((await openPlans(data).list()).map((p) => p.drive.serial)).toEqual(['S1']);
  });

  it('knows a drive without a serial number by its model and size', async () => {
    const plans = openPlans(join(dir.path, 'no-serial'));
    await plans.put(plan(null, 4096));
    expect(await plans.get({ serial: null, model: 'Samsung T7', size: 4096 })).not.toBeNull();
    expect(await plans.get({ serial: null, model: 'Other', size: 4096 })).toBeNull();
  });

  it('treats a damaged plans file as no plans', async () => {
    const data = join(dir.path, 'damaged');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'plans.json'), '{ not json');
    expect(await openPlans(data).list()).toEqual([]);
  });
});
