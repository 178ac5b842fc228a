// An error as the user sees it: what happened, and what to do next.

import type { Problem } from '../words/error-words.js';

export function ProblemNote({ problem }: { problem: Problem | null }) {
  if (!problem) return null;
  return (
    <div role="alert" className="problem">
      <strong>{problem.message}</strong>
      {problem.hint && <p>{problem.hint}</p>}
    </div>
  );
}
