// Development only: when the engine runs from its TypeScript sources (vitest, tsx), a worker
// cannot load a .ts entry by itself. This plain-JS entry registers tsx, then loads it.
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.tsEntry);
