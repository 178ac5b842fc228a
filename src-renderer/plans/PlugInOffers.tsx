// The offers for drives plugged in while the app runs, above every screen: "Back up <drive>
// now?" with the one-click backup of its remembered settings, or "Not now".

import { useEffect } from 'react';
import { useApi } from '../api/api-context.js';
import { useNav } from '../nav-store.js';
import { PLUG_IN_POLL_MS, usePlugIn } from './plug-in-store.js';
import { usePlans } from './plans-store.js';

export function PlugInOffers() {
  const api = useApi();
  const { offers, look, dismiss } = usePlugIn();
  const backUpNow = usePlans((s) => s.backUpNow);
  const go = useNav((s) => s.go);
  useEffect(() => {
    // A look that fails (the server restarting) is tried again at the next tick; the Home
    // screen shows listing errors itself.
    const tryLook = () => void look(api).catch(() => {});
    tryLook();
    const timer = setInterval(tryLook, PLUG_IN_POLL_MS);
    return () => clearInterval(timer);
  }, [api, look]);
  if (offers.length === 0) return null;
  return (
    <ul className="offers" aria-label="Drives plugged in">
      {offers.map((drive) => (
        <li key={drive.path}>
          <span role="alert">
            Back up {drive.description} ({drive.path}) now?
          </span>{' '}
          <button
            type="button"
            className="primary"
            onClick={() => {
              dismiss(drive);
              go('home');
              void backUpNow(api, drive);
            }}
          >
            Back up now
          </button>{' '}
          <button type="button" onClick={() => dismiss(drive)}>
            Not now
          </button>
        </li>
      ))}
    </ul>
  );
}
