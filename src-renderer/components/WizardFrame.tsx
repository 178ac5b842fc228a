// The frame every wizard step sits in: where you are among the steps, the step itself, and
// Back / Next with the reason Next is disabled said next to it; on a wide window, the
// choices so far beside it.

import { Check } from 'lucide-react';
import type { ReactNode } from 'react';

interface Props<S extends string> {
  label: string;
  steps: readonly S[];
  titles: Record<S, string>;
  step: S;
  /** Why Next is disabled, or null. */
  blocked: string | null;
  onBack(): void;
  onNext(): void;
  /** The last step's button ("Start backup"); without it the last step has none. */
  finish?: ReactNode;
  /** The choices so far, shown beside the step where the window is wide enough. */
  aside?: ReactNode;
  children: ReactNode;
}

export function WizardFrame<S extends string>(props: Props<S>) {
  const index = props.steps.indexOf(props.step);
  const last = index === props.steps.length - 1;
  return (
    <section className={props.aside ? 'wizard with-aside' : 'wizard'} aria-label={props.label}>
      <ol className="steps" aria-label="Steps">
        {props.steps.map((s, i) => (
          <li
            key={s}
            className={i === index ? 'current' : i < index ? 'done' : ''}
            aria-current={i === index ? 'step' : undefined}
          >
            <span className="step-number" aria-hidden="true">
              {i < index ? <Check size={14} strokeWidth={3} /> : i + 1}
            </span>
            {props.titles[s]}
          </li>
        ))}
      </ol>
      <div className="step-body">
        <h2>{props.titles[props.step]}</h2>
        {props.children}
      </div>
      {props.aside && (
        <aside className="wizard-aside" aria-label="Your choices so far">
          {props.aside}
        </aside>
      )}
      <footer className="wizard-actions">
        {index > 0 && (
          <button type="button" onClick={props.onBack}>
            Back
          </button>
        )}
        <span className="blocked" aria-live="polite">
          {props.blocked}
        </span>
        {last ? (
          props.finish
        ) : (
          <button
            type="button"
            className="primary"
            disabled={props.blocked !== null}
            onClick={props.onNext}
          >
            Next
          </button>
        )}
      </footer>
    </section>
  );
}
