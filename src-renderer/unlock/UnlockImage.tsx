// The field that opens an encrypted image: its password, typed (never shown, never kept
// beyond this session's memory), or, for an image encrypted to an age key, the key file
// chosen with the app's picker. "Open" hands the key to `onUnlock`, which checks it.

import { useState, type FormEvent } from 'react';
import { PathPicker } from '../components/PathPicker.js';
import { ProblemNote } from '../components/ProblemNote.js';
import type { Problem } from '../words/error-words.js';
import { keyOf, type ImageLock } from './image-lock.js';
import type { ImageKey } from '../../src-shared/api.js';

interface Props {
  image: string;
  lock: ImageLock;
  /** The last key's refusal (a wrong password), shown under the field. */
  problem: Problem | null;
  busy: boolean;
  onUnlock(key: ImageKey): void;
}

export function UnlockImage({ image, lock, problem, busy, onUnlock }: Props) {
  const [given, setGiven] = useState('');
  const key = keyOf(lock, given);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (key && !busy) onUnlock(key);
  };
  return (
    <form className="pw-unlock" aria-label="Open the encrypted image" onSubmit={submit}>
      {lock === 'passphrase' ? (
        <div className="field">
          <label htmlFor="unlock-password">{image} is encrypted: its password</label>
          <input
            id="unlock-password"
            type="password"
            autoComplete="off"
            value={given}
            onChange={(e) => setGiven(e.target.value)}
          />
        </div>
      ) : (
        <>
          <p>
            {image} was encrypted for an age key, not a password: opening it needs that key’s file
            (made by age-keygen; it holds a line starting AGE-SECRET-KEY-1).
          </p>
          <PathPicker label="Key file" pick="file" value={given} onChange={setGiven} />
        </>
      )}
      <p className="inline-actions">
        <button type="submit" className="primary" disabled={key === null || busy}>
          {busy ? 'Opening…' : 'Open'}
        </button>
      </p>
      <ProblemNote problem={problem} />
    </form>
  );
}
