// Where Spillway keeps its history and settings when Electron does not say (app.getPath
// ('userData') does in the app): each system's usual place for an application's data.

import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (platform === 'win32')
    return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Spillway');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Spillway');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'spillway');
}
