import { describe, expect, it } from 'vitest';
import type { ApiDrive } from '../../src-shared/api.js';
import { driveKey, type DrivePlan } from '../../src-shared/drive-plan.js';
import { apiDrive } from '../../src-main/test-support/records.js';
import { pluggedInWithPlan } from './plug-in.js';

const drive = (path: string, serial: string | null): ApiDrive =>
  apiDrive({ path, identity: { serial, model: 'T7', size: 500e9 } });

const planned = drive('/dev/sdb', 'S1');
const plans: Record<string, DrivePlan> = {
  [driveKey(planned.identity)]: {
    drive: planned.identity,
    destination: '/media/backups',
    codec: 'zstd',
    level: 3,
    mode: 'used',
    keep: 3,
    autoStart: false,
  },
};

describe('drives plugged in with a plan', () => {
  it('takes note at the first look, offers nothing', () => {
    expect(pluggedInWithPlan(null, [planned], plans)).toEqual([]);
  });

  it('offers a drive with a plan that was not there before, whatever its /dev name', () => {
    const back = drive('/dev/sdc', 'S1');
    expect(pluggedInWithPlan(new Set(), [back], plans)).toEqual([back]);
    expect(pluggedInWithPlan(new Set([driveKey(back.identity)]), [back], plans)).toEqual([]);
  });

  it('never offers a drive without a plan', () => {
    expect(pluggedInWithPlan(new Set(), [drive('/dev/sdd', 'OTHER')], plans)).toEqual([]);
  });
});
