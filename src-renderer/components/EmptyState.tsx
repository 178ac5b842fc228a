// What a screen with nothing to show says instead: what is missing, what to do next, and,
// where the app can take the user there, the button for it.

import type { ReactNode } from 'react';

interface Props {
  icon: ReactNode;
  title: string;
  words: string;
  children?: ReactNode;
}

export function EmptyState({ icon, title, words, children }: Props) {
  return (
    <div className="empty-state" role="status">
      {icon}
      <p className="empty-title">{title}</p>
      <p className="empty-words">{words}</p>
      {children && <div className="inline-actions">{children}</div>}
    </div>
  );
}
