// electron-builder.yml, loaded and checked: the targets the app ships as, and that everything
// which must be a real file (the worker threads with all they import, the helper's entry, the
// native modules) is unpacked from the asar archive. The workers' imports are followed in
// the build itself, so a new import is caught here, not in a user's packaged app.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IPC_CHANNEL } from '../../src-shared/api.js';
import { REPO_ROOT } from '../test-support/paths.js';

interface BuilderConfig {
  productName: string;
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  extraResources: Array<{ from: string; to: string }>;
  linux: { target: string[]; icon: string; executableName: string };
  deb: { fpm: string[] };
  mac: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
}

const config = parse(
  readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8'),
) as BuilderConfig;
const unpacked = (path: string) => config.asarUnpack.some((glob) => minimatch(path, glob));

/** The files a module imports, transitively (relative imports), and the packages it names. */
function importClosure(entry: string): { files: string[]; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else if (!spec.startsWith('node:')) {
        const parts = spec.split('/');
        packages.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(REPO_ROOT, f)), packages };
}

/** A package with a compiled addon: a binding.gyp, or a .node file it ships. */
function isNative(name: string): boolean {
  const dir = join(REPO_ROOT, 'node_modules', name);
  return existsSync(join(dir, 'binding.gyp')) || /\.node$/m.test(listFiles(dir).join('\n'));
}

function listFiles(dir: string, depth = 0): string[] {
  if (depth > 3 || !existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, depth + 1) : [path];
  });
}

describe('electron-builder.yml', () => {
  it('builds AppImage and deb, dmg, and nsis, with the icon in assets/', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    for (const icon of [config.linux.icon, config.mac.icon, config.win.icon]) {
      const png = readFileSync(join(REPO_ROOT, icon));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512); // width
    }
    expect(config.files).toContain('build/renderer/**');
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      main: string;
    };
    expect(config.files.some((glob) => minimatch(pkg.main, glob))).toBe(true);
  });

  it('unpacks the worker threads and everything they import, including native modules', () => {
    expect(config.asar).toBe(true);
    const engine = join(REPO_ROOT, 'build', 'src-main', 'engine');
    const workers = {
      'pool/codec-worker.js': ['@node-rs/xxhash', 'lz4-napi', 'node-liblzma', 'zstd-napi'],
      'digest/digest-worker.js': ['@node-rs/xxhash'],
    };
    for (const [worker, natives] of Object.entries(workers)) {
      const { files, packages } = importClosure(join(engine, worker));
      expect(files.length, worker).toBeGreaterThanOrEqual(2);
      expect(files.filter((f) => !unpacked(f))).toEqual([]);
      expect([...packages].sort()).toEqual(natives);
      for (const name of packages) {
        expect(unpacked(`node_modules/${name}/package.json`), name).toBe(true);
      }
    }
    // lz4-napi and @node-rs/xxhash load their binaries from per-platform packages.
    expect(unpacked('node_modules/@antoniomuso/lz4-napi-linux-x64-gnu/lz4-napi.node')).toBe(true);
    expect(unpacked('node_modules/@node-rs/xxhash-linux-x64-gnu/xxhash.linux-x64-gnu.node')).toBe(
      true,
    );
  });

  it('unpacks every native module the app depends on, and the helper’s entry', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const natives = Object.keys(pkg.dependencies).filter(isNative);
    expect(natives).toEqual(expect.arrayContaining(['zstd-napi', 'node-liblzma', 'drivelist']));
    for (const name of natives) {
      expect(unpacked(`node_modules/${name}/package.json`), name).toBe(true);
    }
    expect(unpacked('build/src-main/helper/helper-main.js')).toBe(true);
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
    expect(launcher).toContain('app.asar.unpacked/build/src-main/helper/helper-main.js');
  });

  it('the preload speaks on the API’s channel', () => {
    const preload = readFileSync(join(REPO_ROOT, 'src-main/app/preload.cts'), 'utf8');
    expect(preload).toContain(`const CHANNEL = '${IPC_CHANNEL}';`);
  });
});
