// @vitest-environment happy-dom
// Home's drive cards and its empty state: a card shows the drive's name, capacity, its kind
// in words (USB drive, SD card, NVMe drive, disk, virtual disk), each partition's use and the
// last backup in words; with no drive, the screen says to plug one in. The drives are records
// as the API lists them; the last one is a real loop device over the real API.

import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { apiDrive, imageRecord } from '../../src-main/test-support/records.js';
import type { ApiDrive } from '../../src-shared/api.js';
import type { BackupPlan } from '../../src-shared/protocol/plans.js';
import { DriveCard } from './DriveCard.js';
import type { PartitionFacts } from './partition-facts-store.js';
import { driveKind } from './drive-kind.js';
import { lastBackupWords, lastImageOf, timeAgo } from './last-backup.js';
import { EmptyState } from '../components/EmptyState.js';

const GiB = 2 ** 30;
const DAY = 86_400_000;

afterEach(cleanup);

describe('the kind of a drive', () => {
  it('is read from its bus and path', () => {
    expect(driveKind(apiDrive())).toBe('usb');
    expect(driveKind(apiDrive({ busType: 'SATA' }))).toBe('disk');
    expect(driveKind(apiDrive({ busType: 'NVME', path: '/dev/nvme0n1' }))).toBe('nvme');
    expect(driveKind(apiDrive({ busType: 'UNKNOWN', path: '/dev/nvme1n1' }))).toBe('nvme');
    expect(driveKind(apiDrive({ busType: 'UNKNOWN', path: '/dev/mmcblk0' }))).toBe('sd');
    expect(driveKind(apiDrive({ busType: 'LOOP', virtual: true }))).toBe('virtual');
  });
});

describe('the last backup in words', () => {
  const now = 100 * DAY;
  it('names the newest image of this drive still there, and whether it verified', () => {
    const images = [
      imageRecord({ path: '/b/old.img.zst', madeAt: now - 10 * DAY }),
      imageRecord({ path: '/b/new.img.zst', madeAt: now - 3 * DAY }),
      imageRecord({ path: '/b/gone.img.zst', madeAt: now - DAY, exists: false }),
      imageRecord({
        path: '/b/other.img.zst',
        madeAt: now,
        drive: { serial: 'X', model: null, size: 1 },
      }),
    ];
    const last = lastImageOf(apiDrive().identity, images);
    expect(last?.path).toBe('/b/new.img.zst');
    expect(lastBackupWords(last, now).line).toBe('3 days ago, verified');
    expect(
      lastBackupWords(imageRecord({ madeAt: now - 2 * 3600_000, verified: null }), now).line,
    ).toBe('2 hours ago, not verified yet');
    expect(lastBackupWords(null, now).line).toBe('Never backed up');
    expect(timeAgo(now - 30_000, now)).toBe('just now');
    expect(timeAgo(now - 1.5 * DAY, now)).toBe('yesterday');
  });
});

describe('a drive card', () => {
  it('shows name, capacity, kind, partition use and last backup', () => {
    render(
      <ul>
        <DriveCard
          drive={apiDrive()}
          facts={{
            state: 'read',
            plan: {
              source: '/dev/sdb',
              size: 32 * GiB,
              partitionTable: null,
              bytesToRead: GiB,
              expectedImage: [0, 0],
              partitions: [
                {
                  index: 1,
                  start: 2 ** 20,
                  size: 16 * GiB,
                  type: '0x0c',
                  filesystem: 'vfat',
                  label: 'PHOTOS',
                  usedBytes: 4 * GiB,
                  mode: 'used',
                },
                {
                  index: 2,
                  start: 17 * GiB,
                  size: 8 * GiB,
                  type: '0x83',
                  filesystem: null,
                  mode: 'raw',
                },
              ],
            },
          }}
          lastBackup={{ line: '3 days ago, verified', tone: 'ok' }}
          plan={null}
          onBackUp={() => {}}
        />
      </ul>,
    );
    const card = document.querySelector<HTMLElement>('li.drive.card')!;
    expect(within(card).getByRole('heading', { name: 'SanDisk Cruzer Blade' })).toBeTruthy();
    expect(card.querySelector('.size')?.textContent).toBe('32.0 GiB');
    expect(card.querySelector('[data-kind="usb"]')?.textContent).toBe('USB drive');
    const uses = within(card).getByRole('list', { name: 'Space used on /dev/sdb' });
    expect(uses.textContent).toContain('PHOTOS');
    expect(uses.textContent).toContain('4.00 GiB of 16.0 GiB used');
    expect(uses.textContent).toContain('8.00 GiB, use not known');
    expect(card.querySelector('.use-fill')?.getAttribute('style')).toContain('width: 25%');
    expect(card.textContent).toContain('Last backup: 3 days ago, verified');
    expect(within(card).getByRole('button', { name: 'Back up…' })).toBeTruthy();
    expect(within(card).queryByRole('button', { name: 'Back up now' })).toBeNull();
  });

  it('an SD card and an NVMe drive say so', () => {
    render(
      <ul>
        <DriveCard
          drive={apiDrive({ path: '/dev/mmcblk0', busType: 'UNKNOWN', description: 'SD card' })}
          facts={undefined}
          lastBackup={{ line: 'Never backed up', tone: 'none' }}
          plan={null}
          onBackUp={() => {}}
        />
        <DriveCard
          drive={apiDrive({ path: '/dev/nvme0n1', busType: 'NVME', description: 'Samsung 980' })}
          facts={undefined}
          lastBackup={{ line: 'Never backed up', tone: 'none' }}
          plan={null}
          onBackUp={() => {}}
        />
      </ul>,
    );
    expect(document.querySelector('[data-kind="sd"]')?.textContent).toBe('SD card');
    expect(document.querySelector('[data-kind="nvme"]')?.textContent).toBe('NVMe drive');
    expect(screen.getAllByText('Never backed up')).toHaveLength(2);
  });
});

describe('a drive card in the app’s words', () => {
  const plan = (whole: BackupPlan['whole']): BackupPlan => ({
    source: '/dev/loop7',
    size: 160 * 2 ** 20,
    partitionTable: null,
    partitions: [],
    ...(whole ? { whole } : {}),
    bytesToRead: 160 * 2 ** 20,
    expectedImage: [0, 0],
  });
  const card = (drive: ApiDrive, facts?: PartitionFacts) => {
    render(
      <ul>
        <DriveCard
          drive={drive}
          facts={facts}
          lastBackup={{ line: 'Never backed up', tone: 'none' }}
          plan={null}
          onBackUp={() => {}}
        />
      </ul>,
    );
    return document.querySelector<HTMLElement>('li.drive.card')!;
  };

  it('a device of 0 bytes says it holds nothing and offers nothing to do with it', () => {
    const zram = card(
      apiDrive({
        path: '/dev/zram0',
        size: 0,
        busType: 'UNKNOWN',
        virtual: true,
        cautions: [{ kind: 'empty' }],
        canRestoreTo: false,
      }),
    );
    expect(zram.textContent).toContain('It holds 0 bytes: there is nothing on it to back up.');
    expect(within(zram).queryByRole('button')).toBeNull();
    expect(zram.textContent).not.toMatch(/Last backup|nothing fits|partition table|read whole/);
  });

  it('says why a whole drive is read in its own words, never the engine’s', () => {
    const unrecognised = card(apiDrive(), { state: 'read', plan: plan({ cause: 'unrecognised' }) });
    expect(unrecognised.textContent).toContain(
      'No partitions or filesystem that Spillway knows were found on it: a backup copies every byte.',
    );
    cleanup();
    const distrusted = card(apiDrive(), {
      state: 'read',
      plan: plan({
        cause: 'distrusted',
        why: 'partition table: a structure points past the end of the drive',
      }),
    });
    expect(distrusted.textContent).toContain('Its partition table contradicts itself');
    expect(distrusted.textContent).not.toMatch(/read whole|a structure points/);
    cleanup();
    const emptyTable = card(apiDrive(), { state: 'read', plan: plan(undefined) });
    expect(emptyTable.textContent).toContain('Its partition table lists no partitions.');
  });
});

describe('an empty state', () => {
  it('says what is missing and what to do', () => {
    render(<EmptyState icon={null} title="No drives plugged in" words="Plug in a drive." />);
    const status = screen.getByRole('status');
    expect(status.textContent).toContain('No drives plugged in');
    expect(status.textContent).toContain('Plug in a drive.');
  });
});
