// A command on a pseudo-terminal, with passphrases typed into it (pty-answer.py).

import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';
import { q, shStatus } from './shell.js';

export function inPty(
  argv: string[],
  answers: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = join(REPO_ROOT, 'src-main', 'test-support', 'pty-answer.py');
  return shStatus(
    ['python3', script, JSON.stringify(argv), JSON.stringify(answers)].map(q).join(' '),
  );
}
