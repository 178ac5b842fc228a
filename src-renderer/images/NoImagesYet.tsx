// The Images screen before any image: what will be listed here, and the two ways on — make
// one, or restore an image file made elsewhere (which the history does not know yet).

import { ArchiveRestore, HardDriveDownload, Images } from 'lucide-react';
import { EmptyState } from '../components/EmptyState.js';
import { useNav } from '../nav-store.js';

export function NoImagesYet() {
  const go = useNav((s) => s.go);
  return (
    <EmptyState
      icon={<Images aria-hidden="true" size={40} strokeWidth={1.6} />}
      title="No images yet"
      words="Back up a drive and its image is listed here, to verify, browse or restore. An image made by another tool (dd, gzip, xz, zstd) can be restored straight away: choose its file in Restore."
    >
      <button type="button" className="primary" onClick={() => go('backup')}>
        <HardDriveDownload aria-hidden="true" size={18} />
        Back up a drive
      </button>
      <button type="button" onClick={() => go('restore')}>
        <ArchiveRestore aria-hidden="true" size={18} />
        Restore an image file
      </button>
    </EmptyState>
  );
}
