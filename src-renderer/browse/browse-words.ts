// Browsing failures in a home user's words: the engine's message names what failed (a folder,
// a file, the image); the next step depends on its code.

import { ApiError } from '../../src-shared/api-client.js';
import { problemOf, type Problem } from '../words/error-words.js';

export function browseProblemOf(error: unknown): Problem {
  const problem = problemOf(error);
  if (!(error instanceof ApiError) || problem.hint) return problem;
  switch (error.info.code) {
    case 'image-not-indexed':
      return {
        message:
          'This image was made by another program and has no index of its parts, so its ' +
          'files cannot be read one by one.',
        hint: 'Restoring it onto a drive gives everything back.',
      };
    case 'image-damaged':
      return {
        message: problem.message,
        hint: 'This part of the image is damaged; the other folders can still be opened.',
      };
    default:
      return problem;
  }
}
