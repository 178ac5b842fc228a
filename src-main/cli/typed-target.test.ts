// A target typed as a path meets the drive list's rules: a drive the list greys out is
// refused by the API's plan and job and by `spillway restore`, before anything is written,
// with the very words the list shows. Real loop devices: one attached read-only
// (`losetup -r`), one with a filesystem mounted that holds the image.

import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../src-shared/api-client.js';
import type { ApiDrive } from '../../src-shared/api.js';
import { cautionWords } from '../../src-shared/target-rules.js';
import { serveApi, type ApiBackend } from '../api/api-handler.js';
import { appBackend } from '../api/app-backend.js';
import { inProcessRunner } from '../jobs/in-process-runner.js';
import { spillway } from '../test-support/cli.js';
import { randomFile } from '../test-support/fixtures.js';
import { attachLoop, detachAll, type LoopDevice } from '../test-support/loop-devices.js';
import { portLink } from '../test-support/port-link.js';
import { jobEnd } from '../test-support/api-session.js';
import { noLoopReason } from '../test-support/root.js';
import { q, sh, shStatus } from '../test-support/shell.js';
import { tempDir } from '../test-support/temp-dir.js';

const MiB = 2 ** 20;

async function sha256Of(path: string): Promise<string> {
  return (await sh(`sha256sum ${q(path)}`)).split(' ')[0]!;
}

describe.skipIf(noLoopReason)(
  `a typed target meets the list's rules (${noLoopReason ?? 'root'})`,
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let backend: ApiBackend;
    let api: ApiClient;
    let stopApi: () => void;
    let image: string;
    let readOnly: LoopDevice;
    let holder: LoopDevice;
    let mountPoint: string;
    let heldImage: string;

    /** The drive as the list shows it, with `paths` the chosen image. */
    async function listed(path: string, paths: string[]): Promise<ApiDrive> {
      const drive = (await api.listDrives({ all: true, paths })).find((d) => d.path === path);
      expect(drive, `${path} is listed`).toBeDefined();
      return drive!;
    }

    beforeAll(async () => {
      dir = await tempDir();
      const source = join(dir.path, 'source.bin');
      await randomFile(source, 8 * MiB, 'typed-source');
      image = join(dir.path, 'disk.img.zst');
      const backup = await spillway(['backup', source, image]);
      expect(backup.code, backup.stderr).toBe(0);

      const roFile = join(dir.path, 'read-only.bin');
      await randomFile(roFile, 16 * MiB, 'typed-ro');
      readOnly = await attachLoop(roFile, { readOnly: true });

      // A drive with a mounted filesystem holding a copy of the image.
      const holderFile = join(dir.path, 'holder.bin');
      await randomFile(holderFile, 48 * MiB, 'typed-holder');
      holder = await attachLoop(holderFile);
      await sh(`mkfs.ext4 -q ${q(holder.path)}`);
      mountPoint = join(dir.path, 'mnt');
      await mkdir(mountPoint);
      await sh(`mount ${q(holder.path)} ${q(mountPoint)}`);
      heldImage = join(mountPoint, 'disk.img.zst');
      await copyFile(image, heldImage);

      backend = appBackend(join(dir.path, 'data'), inProcessRunner());
      const { port1, port2 } = new MessageChannel();
      const stop = serveApi(backend, portLink(port2));
      api = createApiClient(portLink(port1));
      stopApi = () => {
        api.close();
        stop();
        port1.close();
        port2.close();
      };
    });

    afterAll(async () => {
      stopApi?.();
      await backend?.runner.close();
      if (mountPoint) await shStatus(`umount ${q(mountPoint)}`);
      detachAll();
      await dir?.remove();
    });

    it('refuses a read-only drive through the API, with the list’s words, writing nothing', async () => {
      const before = await sha256Of(readOnly.path);
      const drive = await listed(readOnly.path, [image]);
      expect(drive.canRestoreTo).toBe(false);
      expect(drive.cautions).toEqual([{ kind: 'read-only' }]);
      const words = cautionWords(drive.cautions[0]!);

      const plan = await api.planRestore({ image, target: readOnly.path });
      expect(plan.target.readOnly).toBe(true);
      expect(plan.refusals).toEqual([
        expect.objectContaining({
          code: 'target-read-only',
          message: `${readOnly.path} cannot be used: ${words}.`,
        }),
      ]);

      // Started anyway (a client that skips the plan): refused before writing.
      const { jobId } = await api.startRestore({
        image,
        target: readOnly.path,
        confirmName: plan.target.name,
      });
      expect(await jobEnd(api, jobId)).toMatchObject({
        type: 'error',
        error: { code: 'target-read-only', message: `${readOnly.path} cannot be used: ${words}.` },
      });
      expect(await sha256Of(readOnly.path)).toBe(before);
    });

    it('refuses a read-only drive on the command line, saying it is read-only', async () => {
      const before = await sha256Of(readOnly.path);
      const result = await spillway(['restore', image, readOnly.path, '--yes']);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(
        `${readOnly.path} cannot be used: ${cautionWords({ kind: 'read-only' })}.`,
      );
      expect(result.stderr).not.toMatch(/Permission denied|as root/);
      expect(await sha256Of(readOnly.path)).toBe(before);
    });

    it('refuses the drive that holds the image, with every reason the list gives', async () => {
      const before = await sha256Of(heldImage);
      const drive = await listed(holder.path, [heldImage]);
      expect(drive.cautions).toEqual([
        { kind: 'holds-path', path: heldImage },
        { kind: 'mounted', mounts: [{ device: holder.path, mountPoint }] },
      ]);

      const plan = await api.planRestore({ image: heldImage, target: holder.path });
      expect(plan.refusals.map((r) => [r.code, r.message])).toEqual([
        [
          'target-holds-image',
          `${holder.path} cannot be used: ${cautionWords(drive.cautions[0]!)}.`,
        ],
        ['target-mounted', `${holder.path} cannot be used: ${cautionWords(drive.cautions[1]!)}.`],
      ]);

      const result = await spillway(['restore', heldImage, holder.path, '--yes']);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(`cannot be used: it holds ${heldImage}`);
      expect(await sha256Of(heldImage)).toBe(before);
    });

    it('refuses a loop device over the image file itself', async () => {
      const over = await attachLoop(image, { readOnly: false });
      try {
        const before = await sha256Of(image);
        const drive = await listed(over.path, [image]);
        expect(drive.cautions).toContainEqual({ kind: 'holds-path', path: image });
        const result = await spillway(['restore', image, over.path, '--yes']);
        expect(result.code).toBe(4);
        expect(result.stderr).toContain(`${over.path} cannot be used: it holds ${image}.`);
        expect(await sha256Of(image)).toBe(before);
      } finally {
        await over.detach();
      }
    });

    it('refuses a device of 0 bytes, saying why', async () => {
      const file = join(dir.path, 'empty.bin');
      await writeFile(file, '');
      const empty = await attachLoop(file);
      try {
        const plan = await api.planRestore({ image, target: empty.path });
        expect(plan.refusals).toEqual([
          expect.objectContaining({
            code: 'target-too-small',
            message: `${empty.path} cannot be used: ${cautionWords({ kind: 'empty' })}.`,
          }),
        ]);
        const result = await spillway(['restore', image, empty.path, '--yes']);
        expect(result.code).toBe(4);
        expect(result.stderr).toContain('its size is 0 bytes: nothing fits on it');
      } finally {
        await empty.detach();
      }
    });
  },
);
