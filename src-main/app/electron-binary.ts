// Where the Electron binary is, when it is installed: the electron package downloads it at
// first use, which cannot happen on every machine (these tests' among them). Plain Node: no
// Electron import, so `npm start` and the tests can ask before trying to start it.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `root`: the folder holding node_modules/electron. */
export function electronBinary(root: string): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const binary = override ? join(override, relative) : join(pkg, 'dist', relative);
  return existsSync(binary) ? binary : null;
}
