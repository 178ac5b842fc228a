// Child process of codec-pool-close.test.ts: opens a codec pool and closes it again, over and
// over, each time just about when its workers finish loading their codecs. A close that
// terminated a worker while it was loading node-liblzma aborted the whole process (a fatal
// napi_throw, exit 134): run in a process of its own so the test can see that.
//
// Usage: node close-pool-while-loading.mjs POOL_DIR SECONDS
// POOL_DIR holds the built codec-pool.js and slot-arena.js. Prints "closed N pools" at the end.

const [poolDir, seconds] = process.argv.slice(2);
const { CodecPool } = await import(`${poolDir}/codec-pool.js`);
const { SlotArena } = await import(`${poolDir}/slot-arena.js`);

/** Milliseconds from starting a pool of two workers to both answering a job. */
async function loadTime() {
  const arena = new SlotArena(4096, 4);
  const slots = await Promise.all([0, 1, 2, 3].map(() => arena.acquire()));
  const started = performance.now();
  const pool = new CodecPool(2);
  await Promise.all([
    pool.compress('zstd', 1, slots[0], 1024, slots[1]),
    pool.compress('zstd', 1, slots[2], 1024, slots[3]),
  ]);
  const took = performance.now() - started;
  await pool.close();
  return took;
}

const times = [];
for (let i = 0; i < 5; i++) times.push(await loadTime());
const load = times.sort((a, b) => a - b)[2];

// Measured before the fix: the crash came at 0.95–1.12 of the load time; this band found it
// within 2 to 52 pools in six runs of 10 s.
const until = performance.now() + Number(seconds) * 1000;
let closed = 0;
while (performance.now() < until) {
  const pool = new CodecPool(2);
  const wait = (0.8 + Math.random() * 0.4) * load;
  // Busy-wait: a timer is too coarse for a window this narrow.
  const started = performance.now();
  while (performance.now() - started < wait);
  await pool.close();
  closed++;
}
console.log(`closed ${closed} pools (load time ${load.toFixed(0)} ms)`);
