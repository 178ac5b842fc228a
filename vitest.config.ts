import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Tests touch real block devices and run real compressors: run test files one at a time
// (loop devices and CPU are shared) and give them room to finish. The renderer's component
// tests (*.test.tsx) pick their DOM with a `@vitest-environment happy-dom` line.
export default defineConfig({
  plugins: [react()],
  test: {
    include: [
      'bench/**/*.test.ts',
      'src-shared/**/*.test.ts',
      'src-main/**/*.test.ts',
      'src-renderer/**/*.test.ts',
      'src-renderer/**/*.test.tsx',
    ],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
