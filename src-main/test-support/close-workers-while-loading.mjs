// Child process of worker-thread.test.ts: starts the engine's worker threads (a codec
// pool, a stream digest) and closes them again, over and over, each time just about when they
// finish loading their native modules. A close that terminated a worker while it was loading
// node-liblzma aborted the whole process (a fatal napi_throw, exit 134): run in a process of
// its own so the test can see that.
//
// Usage: node close-workers-while-loading.mjs ENGINE_DIR CLOSES
// ENGINE_DIR is the built engine (build/src-main/engine). Prints "closed N times" at the end.
// A count, not a duration: on a busy machine each load takes longer, and a test bounded by
// time would then try fewer closes and fail for a reason that has nothing to do with the bug.

const [engine, closes] = process.argv.slice(2);
const { CodecPool } = await import(`${engine}/pool/codec-pool.js`);
const { SlotArena } = await import(`${engine}/pool/slot-arena.js`);
const { StreamDigestThread } = await import(`${engine}/digest/stream-digest-thread.js`);

// A pool starts its workers with its first job: one is posted at once, and left to fail when
// the pool closes (its result does not matter, only that the workers were loading).
const scratch = new SlotArena(4096, 2);
const [input, output] = await Promise.all([scratch.acquire(), scratch.acquire()]);
const start = () => {
  const pool = new CodecPool(2);
  const first = pool.compress('zstd', 1, input, 1024, output).catch(() => {});
  return { pool, first, digest: new StreamDigestThread() };
};
const close = ({ pool, first, digest }) => Promise.all([pool.close(), first, digest.close()]);

/** Milliseconds from starting the workers to all of them answering a job. */
async function loadTime() {
  const arena = new SlotArena(4096, 4);
  const slots = await Promise.all([0, 1, 2, 3].map(() => arena.acquire()));
  const started = performance.now();
  const workers = start();
  await Promise.all([
    workers.pool.compress('zstd', 1, slots[0], 1024, slots[1]),
    workers.pool.compress('zstd', 1, slots[2], 1024, slots[3]),
    workers.digest.update(slots[0].bytes(1024)),
  ]);
  const took = performance.now() - started;
  await close(workers);
  return took;
}

const times = [];
for (let i = 0; i < 5; i++) times.push(await loadTime());
const load = times.sort((a, b) => a - b)[2];

// Measured before the fix: the crash came at 0.95–1.12 of the load time; this band found it
// within 2 to 52 pools in six runs of 10 s.
let closed = 0;
while (closed < Number(closes)) {
  const workers = start();
  const wait = (0.8 + Math.random() * 0.4) * load;
  // Busy-wait: a timer is too coarse for a window this narrow.
  const started = performance.now();
  while (performance.now() - started < wait);
  await close(workers);
  closed++;
}
console.log(`closed ${closed} times (load time ${load.toFixed(0)} ms)`);
