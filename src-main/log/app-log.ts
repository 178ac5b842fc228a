// The log of the app's main process (and of `spillway ui`, which is the same backend in a
// browser), kept in the user's data folder beside the history: the helper's lines are written
// into it too (helper-host.ts), so one file tells what happened on both sides.

import { join } from 'node:path';
import { createLogger, type Logger, type LogLevel } from './logger.js';
import { rotatingFile } from './rotating-file.js';

export const APP_LOG_NAME = 'spillway.log';

export function openAppLog(dataDir: string, level: LogLevel = 'info'): Logger {
  const file = join(dataDir, APP_LOG_NAME);
  return createLogger({ level, sinks: [rotatingFile(file)], source: 'app', file });
}
