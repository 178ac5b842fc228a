import { defineConfig } from 'vitest/config';

// Tests touch real block devices and run real compressors: run test files one at a time
// (loop devices and CPU are shared) and give them room to finish.
export default defineConfig({
  test: {
    include: ['src-shared/**/*.test.ts', 'src-main/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
