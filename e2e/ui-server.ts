// `spillway ui` as a user starts it (the built CLI), for the browser tests: its URL, and a
// stop that waits for it to exit.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../src-main/test-support/paths.js';

export interface UiServer {
  url: string;
  stop(): Promise<void>;
}

export async function startUi(dataHome: string): Promise<UiServer> {
  const child = spawn(join(REPO_ROOT, 'bin', 'spillway'), ['ui'], {
    // History and settings go to the test's own folder, not the user's.
    env: { ...process.env, XDG_DATA_HOME: dataHome },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      const found = /http:\/\/127\.0\.0\.1:\d+\/\?token=\w+/.exec(text);
      if (found) resolve(found[0]);
    });
    child.once('exit', (code) => reject(new Error(`spillway ui exited (${code}): ${text}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
