// A drive as a user recognises it: its name, size and path, with badges for what matters.

import type { ApiDrive } from '../../src-shared/api.js';
import { formatBytes } from '../../src-shared/units.js';

export function DriveLabel({ drive }: { drive: ApiDrive }) {
  return (
    <span className="drive-label">
      <span className="name">{drive.description || drive.path}</span>{' '}
      <span className="size">{formatBytes(drive.size)}</span>{' '}
      <span className="path">{drive.path}</span>
      {drive.busType && drive.busType !== 'UNKNOWN' && (
        <span className="badge">{drive.busType}</span>
      )}
      {drive.removable && <span className="badge">removable</span>}
      {drive.system && <span className="badge system">system</span>}
      {drive.virtual && <span className="badge">virtual</span>}
    </span>
  );
}
