// electron-builder.yml, read as text: what the installers are and what they carry that the
// unpacked --dir package (packaged-app.test.ts, which checks what is actually packaged)
// cannot show: the targets, the icon, and the polkit action the deb installs, naming the
// launcher the package ships.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IPC_CHANNEL } from '../../src-shared/api.js';
import { REPO_ROOT } from '../test-support/paths.js';

interface BuilderConfig {
  productName: string;
  files: string[];
  extraResources: Array<{ from: string; to: string }>;
  linux: { target: string[]; icon: string; executableName: string };
  deb: { fpm: string[] };
  mac?: unknown;
  win?: unknown;
  dmg?: unknown;
  nsis?: unknown;
}

const config = parse(
  readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8'),
) as BuilderConfig;

describe('electron-builder.yml', () => {
  it('builds AppImage and deb, for Linux only, with the icon in assets/', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    // macOS and Windows cannot start the helper yet (README): no installer for them.
    expect([config.mac, config.win, config.dmg, config.nsis]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const png = readFileSync(join(REPO_ROOT, config.linux.icon));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512); // width
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      main: string;
    };
    expect(config.files.some((glob) => minimatch(pkg.main, glob))).toBe(true);
  });

  it('installs the polkit action with the deb, naming the launcher it ships', () => {
    const policy = 'assets/linux/org.spillway.helper.policy';
    expect(config.deb.fpm).toContain(
      `${policy}=/usr/share/polkit-1/actions/org.spillway.helper.policy`,
    );
    const xml = readFileSync(join(REPO_ROOT, policy), 'utf8');
    expect(xml).toContain('<action id="org.spillway.helper">');
    expect(xml).toContain(`/opt/${config.productName}/resources/spillway-helper`);
    expect(config.extraResources).toContainEqual({
      from: 'assets/linux/spillway-helper',
      to: 'spillway-helper',
    });
    const launcher = readFileSync(join(REPO_ROOT, 'assets/linux/spillway-helper'), 'utf8');
    expect(launcher).toContain(`../${config.linux.executableName}`);
  });

  it('the preload speaks on the API’s channel', () => {
    const preload = readFileSync(join(REPO_ROOT, 'src-main/app/preload.cts'), 'utf8');
    expect(preload).toContain(`const CHANNEL = '${IPC_CHANNEL}';`);
  });
});
