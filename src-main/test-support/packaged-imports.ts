// Following the imports of a packaged app the way Electron and Node will follow them, in what
// the package holds and nowhere else, naming every import that finds nothing.
//
// Two trees: the archive as Electron's main process sees it (app.asar, where a file marked
// "unpacked" is read from app.asar.unpacked and must be there), and app.asar.unpacked alone,
// where the helper and the worker threads run as plain Node: their imports resolve next to
// them on disk and never reach into the archive. Spillway's own files are followed import by
// import (relative and bare specifiers, as Node's ES module resolver does; a package's
// "exports" or "main"). A package is checked as a whole: its entry file, the ES modules it
// imports, and the packages its package.json depends on (recursively); the CommonJS
// requires inside it are not followed, since they are often conditional (per platform,
// optional) and a static reading would cry wolf.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import asar from '@electron/asar';
import ts from 'typescript';

/** Files addressed by relative paths with '/' (as the package holds them). */
export interface FileTree {
  /** For messages: "app.asar", "app.asar.unpacked". */
  readonly name: string;
  isFile(path: string): boolean;
  read(path: string): string;
}

interface ArchiveFile {
  unpacked: boolean;
}

/** The archive as Electron reads it: files marked unpacked come from `<archive>.unpacked`. */
export class ArchiveTree implements FileTree {
  readonly name = 'app.asar';
  readonly files = new Map<string, ArchiveFile>();

  constructor(private readonly archive: string) {
    type Entry = { files?: Record<string, Entry>; unpacked?: boolean; link?: string };
    const walk = (entry: Entry, prefix: string) => {
      for (const [name, child] of Object.entries(entry.files ?? {})) {
        const path = prefix ? `${prefix}/${name}` : name;
        if (child.files) walk(child, path);
        else if (child.link === undefined) this.files.set(path, { unpacked: !!child.unpacked });
      }
    };
    walk(asar.getRawHeader(archive).header as Entry, '');
  }

  /** Where Electron reads an unpacked file from. */
  unpackedPath(path: string): string {
    return join(`${this.archive}.unpacked`, path);
  }

  isFile(path: string): boolean {
    const file = this.files.get(path);
    if (!file) return false;
    return !file.unpacked || existsSync(this.unpackedPath(path));
  }

  read(path: string): string {
    const file = this.files.get(path);
    if (file?.unpacked) return readFileSync(this.unpackedPath(path), 'utf8');
    return asar.extractFile(this.archive, path).toString('utf8');
  }
}

/** A folder on disk (app.asar.unpacked): nothing outside it counts. */
export class DiskTree implements FileTree {
  constructor(
    readonly name: string,
    private readonly root: string,
  ) {}

  isFile(path: string): boolean {
    if (path.startsWith('../') || path.startsWith('/')) return false;
    const full = join(this.root, path);
    return existsSync(full) && statSync(full).isFile();
  }

  read(path: string): string {
    return readFileSync(join(this.root, path), 'utf8');
  }
}

/** What runs the code: Electron's main process (which provides 'electron'), or plain Node. */
export type Runtime = 'electron-main' | 'node';

export interface Closure {
  /** Spillway's own files reached, in the order found. */
  files: string[];
  /** Package folders reached (node_modules/…). */
  packages: string[];
  /** One line per import that finds nothing: who imports what, and why it fails. */
  problems: string[];
}

const NODE_BUILTINS = new Set(builtinModules);

/** The specifiers a module names: imports, re-exports, dynamic import() and require(). */
export function specifiersOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

interface PackageJson {
  name?: string;
  type?: string;
  main?: string;
  types?: string;
  typings?: string;
  exports?: unknown;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readJson(tree: FileTree, path: string): PackageJson {
  return JSON.parse(tree.read(path)) as PackageJson;
}

/** The folder `node_modules/<name>` that Node finds walking up from `fromDir`, if any. */
export function findPackage(tree: FileTree, fromDir: string, name: string): string | null {
  let dir = fromDir === '.' ? '' : fromDir;
  for (;;) {
    if (posix.basename(dir) !== 'node_modules') {
      const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
      if (tree.isFile(`${candidate}/package.json`)) return candidate;
    }
    if (!dir) return null;
    const up = posix.dirname(dir);
    dir = up === '.' ? '' : up;
  }
}

/** A package's "exports" target for `subpath` ('.' or './x') under these conditions. */
function exportsTarget(exports: unknown, subpath: string, conditions: string[]): string | null {
  const pick = (target: unknown): string | null => {
    if (typeof target === 'string') return target;
    if (Array.isArray(target)) {
      for (const t of target) {
        const found = pick(t);
        if (found) return found;
      }
      return null;
    }
    if (target && typeof target === 'object') {
      for (const [key, value] of Object.entries(target)) {
        if (key === 'default' || conditions.includes(key)) {
          const found = pick(value);
          if (found) return found;
        }
      }
    }
    return null;
  };
  const isSubpathMap =
    exports !== null &&
    typeof exports === 'object' &&
    !Array.isArray(exports) &&
    Object.keys(exports).every((k) => k.startsWith('.'));
  if (!isSubpathMap) return subpath === '.' ? pick(exports) : null;
  const map = exports as Record<string, unknown>;
  if (subpath in map) return pick(map[subpath]);
  for (const [key, value] of Object.entries(map)) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const [before, after] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.startsWith(before) && subpath.endsWith(after)) {
      const middle = subpath.slice(before.length, subpath.length - after.length);
      return pick(value)?.replaceAll('*', middle) ?? null;
    }
  }
  return null;
}

/** CommonJS's way of finding a file: as named, with an extension, or a folder's index. */
function probe(tree: FileTree, path: string): string | null {
  const candidates = [path, `${path}.js`, `${path}.json`, `${path}.node`, `${path}/index.js`];
  return candidates.find((c) => tree.isFile(c)) ?? null;
}

/** The file a package specifier leads to, or why it leads nowhere. */
function resolvePackageFile(
  tree: FileTree,
  packageDir: string,
  subpath: string,
  conditions: string[],
): { file: string } | { missing: string } {
  const pkg = readJson(tree, `${packageDir}/package.json`);
  if (pkg.exports !== undefined) {
    const target = exportsTarget(pkg.exports, subpath ? `./${subpath}` : '.', conditions);
    if (!target) return { missing: `${packageDir}'s "exports" has no "${subpath || '.'}"` };
    const file = posix.join(packageDir, target);
    return tree.isFile(file) ? { file } : { missing: `${file} is not in ${tree.name}` };
  }
  if (subpath) {
    const file = posix.join(packageDir, subpath);
    return tree.isFile(file) ? { file } : { missing: `${file} is not in ${tree.name}` };
  }
  const file = probe(tree, posix.join(packageDir, pkg.main ?? 'index.js'));
  return file ? { file } : { missing: `${packageDir} has no entry file in ${tree.name}` };
}

/** Whether a package has a main entry at all: some export only subpaths, and a package of
 *  type declarations only (@types/…, which a dependency may name) has no code. */
function hasMainEntry(pkg: PackageJson): boolean {
  const { exports } = pkg;
  if (exports === undefined && !pkg.main && (pkg.types ?? pkg.typings)) return false;
  if (exports === undefined || typeof exports === 'string' || Array.isArray(exports)) return true;
  const keys = Object.keys(exports as object);
  return !keys.every((k) => k.startsWith('.')) || keys.includes('.');
}

const IMPORT = ['node', 'import'];
const REQUIRE = ['node', 'require'];

function splitSpecifier(spec: string): { name: string; subpath: string } {
  const parts = spec.split('/');
  const length = spec.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, length).join('/'), subpath: parts.slice(length).join('/') };
}

/** The nearest package.json above `file` in the tree (what decides .js: ES module or not). */
function packageScope(tree: FileTree, file: string): string | null {
  let dir = posix.dirname(file);
  for (;;) {
    const candidate = dir === '.' ? 'package.json' : `${dir}/package.json`;
    if (tree.isFile(candidate)) return candidate;
    if (dir === '.') return null;
    dir = posix.dirname(dir);
  }
}

function isEsModule(tree: FileTree, file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  const scope = packageScope(tree, file);
  return scope !== null && readJson(tree, scope).type === 'module';
}

/**
 * Everything `entries` import in `tree`, transitively. Spillway's own .js files must be ES
 * modules for Node, which it decides from the nearest package.json: Spillway's, with
 * "type": "module" (the engine also reads its version from there).
 */
export function followImports(
  tree: FileTree,
  entries: string[],
  runtime: Runtime,
  /** The project's own folder: an optional package installed there must be packaged too. */
  source?: FileTree,
): Closure {
  const files: string[] = [];
  const packages = new Set<string>();
  const problems: string[] = [];
  const seen = new Set<string>();

  const checkPackage = (dir: string) => {
    if (packages.has(dir)) return;
    packages.add(dir);
    const pkg = readJson(tree, `${dir}/package.json`);
    const asImport = resolvePackageFile(tree, dir, '', IMPORT);
    const asRequire = resolvePackageFile(tree, dir, '', REQUIRE);
    if ('file' in asImport && isEsModule(tree, asImport.file)) visit(asImport.file);
    if ('missing' in asImport && 'missing' in asRequire && hasMainEntry(pkg)) {
      problems.push(`${dir}: ${asImport.missing}`);
    }
    for (const name of Object.keys(pkg.dependencies ?? {})) {
      const found = findPackage(tree, dir, name);
      if (found) checkPackage(found);
      else problems.push(`${dir} depends on ${name}, which is not in ${tree.name}`);
    }
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
      const found = findPackage(tree, dir, name);
      if (found) checkPackage(found);
      else if (source && findPackage(source, dir, name)) {
        problems.push(`${dir} loads ${name} (installed here), which is not in ${tree.name}`);
      }
    }
  };

  const resolve = (importer: string, spec: string): string | null => {
    if (spec.startsWith('node:') || NODE_BUILTINS.has(spec)) return null;
    if (spec === 'electron') {
      if (runtime === 'electron-main') return null;
      problems.push(`${importer} imports 'electron', which only Electron's main process has`);
      return null;
    }
    if (spec.startsWith('./') || spec.startsWith('../')) {
      const file = posix.normalize(posix.join(posix.dirname(importer), spec));
      if (tree.isFile(file)) return file;
      problems.push(`${importer} imports '${spec}': ${file} is not in ${tree.name}`);
      return null;
    }
    if (spec.startsWith('/') || /^[a-z]+:/i.test(spec)) {
      problems.push(`${importer} imports '${spec}': not a path inside the package`);
      return null;
    }
    const { name, subpath } = splitSpecifier(spec);
    const dir = findPackage(tree, posix.dirname(importer), name);
    if (!dir) {
      problems.push(`${importer} imports '${spec}': package ${name} is not in ${tree.name}`);
      return null;
    }
    checkPackage(dir);
    const target = resolvePackageFile(tree, dir, subpath, IMPORT);
    if ('missing' in target) {
      problems.push(`${importer} imports '${spec}': ${target.missing}`);
      return null;
    }
    return target.file;
  };

  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const inPackage = file.startsWith('node_modules/') || file.includes('/node_modules/');
    if (!inPackage) {
      files.push(file);
      const scope = packageScope(tree, file);
      const spillway = scope ? readJson(tree, scope) : null;
      if (file.endsWith('.js') && (spillway?.name !== 'spillway' || spillway.type !== 'module')) {
        problems.push(
          `${file}: the nearest package.json in ${tree.name} is ${scope ?? 'none'}, not ` +
            'Spillway’s with "type": "module" (Node would not load it as an ES module)',
        );
      }
    }
    if (!/\.(c|m)?js$/.test(file)) return;
    // Inside packages only ES modules are followed (see the top of this file).
    if (inPackage && !isEsModule(tree, file)) return;
    for (const spec of specifiersOf(tree.read(file))) {
      const target = resolve(file, spec);
      if (target) visit(target);
    }
  };

  for (const entry of entries) {
    if (tree.isFile(entry)) visit(entry);
    else problems.push(`${entry} (an entry the app starts) is not in ${tree.name}`);
  }
  return { files, packages: [...packages], problems };
}

/** .node addons inside the archive: they must be real files (unpacked) to be loaded. */
export function packedAddons(tree: ArchiveTree): string[] {
  return [...tree.files]
    .filter(([path, file]) => path.endsWith('.node') && !file.unpacked)
    .map(([path]) => `${path} is a native addon packed inside app.asar`);
}

/**
 * The worker threads the engine starts from these files: `startWorker(import.meta.url,
 * 'name', …)` runs `name.js` next to the caller (engine/threads/worker-thread.ts).
 */
export function workerEntries(tree: FileTree, files: string[]): string[] {
  const found = new Set<string>();
  for (const file of files) {
    const text = tree.read(file);
    for (const m of text.matchAll(/\bstartWorker\(\s*import\.meta\.url\s*,\s*['"]([^'"]+)['"]/g)) {
      found.add(posix.join(posix.dirname(file), `${m[1]}.js`));
    }
  }
  return [...found];
}

/** What a sandboxed preload may require (Electron's sandboxed renderer: no files, no Node). */
const SANDBOXED_PRELOAD_MODULES = ['electron', 'events', 'timers', 'url'];

export function checkPreload(tree: FileTree, preload: string): string[] {
  if (!tree.isFile(preload)) return [`${preload} (the window's preload) is not in ${tree.name}`];
  return specifiersOf(tree.read(preload))
    .filter((spec) => !SANDBOXED_PRELOAD_MODULES.includes(spec.replace(/^node:/, '')))
    .map((spec) => `${preload} requires '${spec}': a sandboxed preload can require only electron`);
}

/**
 * The page and everything it loads: <script src>, <link href>, <img src>, then the scripts'
 * imports and the style sheets' url()s, all relative to the page (under file:// an absolute
 * path is the root of the disk, and the window loads nothing from the network).
 */
export function followPage(tree: FileTree, page: string): { files: string[]; problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, from: string, ref: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!tree.isFile(file)) {
      problems.push(`${from} loads '${ref}': ${file} is not in ${tree.name}`);
      return;
    }
    files.push(file);
    const text = tree.read(file);
    let refs: string[] = [];
    if (file.endsWith('.html')) {
      refs = [...text.matchAll(/<(?:script|link|img)\b[^>]*?\s(?:src|href)="([^"]+)"/g)].map(
        (m) => m[1]!,
      );
    } else if (file.endsWith('.js')) {
      refs = specifiersOf(text);
    } else if (file.endsWith('.css')) {
      refs = [...text.matchAll(/url\(\s*['"]?([^'")]+)['"]?\s*\)/g)].map((m) => m[1]!);
    }
    for (const raw of refs) {
      if (raw.startsWith('data:') || raw.startsWith('#')) continue;
      const ref = raw.replace(/[?#].*$/, '');
      if (!ref.startsWith('./') && !ref.startsWith('../') && !/^[\w@-][^:]*$/.test(ref)) {
        problems.push(`${file} loads '${raw}': not a path relative to the page`);
        continue;
      }
      if (file.endsWith('.js') && !ref.startsWith('.')) {
        problems.push(`${file} imports '${raw}': a bare module name, which a page cannot load`);
        continue;
      }
      visit(posix.normalize(posix.join(posix.dirname(file), ref)), file, raw);
    }
  };
  visit(page, 'the window', page);
  return { files, problems };
}
