// The engine's public surface: what the CLI, the helper and tests call. Plain Node only.

export { backup } from './backup/backup.js';
export type { BackupOptions } from './backup/options.js';
export { restore, type RestoreOptions } from './restore/restore.js';
export { pipe, type PipeOptions } from './pipe/pipe.js';
export type { SpillSettings } from './spill/open-spill.js';
export { planRestore } from './restore/restore-plan.js';
export { describeTarget } from './restore/restore-target.js';
export { verify, type VerifyOptions } from './verify/verify.js';
export { recompress, type RecompressOptions } from './recompress/recompress.js';
export { inspectImage } from './inspect/inspect.js';
export { openImage } from './image/open-image.js';
export {
  openImageReader,
  imageReader,
  type ImageReader,
  type ReadStats,
} from './random-access/image-reader.js';
export { ImageBrowser } from './browse/image-browser.js';
export { extract, type ExtractOptions, type ExtractItem } from './browse/extract.js';
export { quietContext, type JobContext, type JobLog } from './jobs/job-context.js';
export { errorFromInfo, SpillwayError, toErrorInfo } from './errors.js';
export { TOOL_VERSION } from './version.js';
