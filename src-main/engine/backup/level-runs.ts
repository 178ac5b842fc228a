// The level of every frame, kept as runs ("from frame 0 at 3, from frame 812 at 2") so an
// adaptive backup's manifest stays small.

import type { LevelRun } from '../../../src-shared/manifest.js';

export class LevelRuns {
  readonly runs: LevelRun[] = [];
  private frames = 0;

  /** Records the level of the next frame (frames are recorded in order). */
  add(level: number): void {
    const last = this.runs[this.runs.length - 1];
    if (!last || last.level !== level) this.runs.push({ from: this.frames, level });
    this.frames++;
  }

  /** Records `count` frames in a row at one level. */
  addFrames(count: number, level: number): void {
    for (let i = 0; i < count; i++) this.add(level);
  }
}
