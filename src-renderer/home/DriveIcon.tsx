// A drive's kind as an icon (Lucide, bundled with the app) with its words beside it: the words
// carry the meaning, the icon is there to be recognised at a glance.

import { CardSim, FileBox, HardDrive, MemoryStick, Usb, type LucideIcon } from 'lucide-react';
import { DRIVE_KIND_WORDS, type DriveKind } from './drive-kind.js';

const ICONS: Record<DriveKind, LucideIcon> = {
  usb: Usb,
  sd: CardSim,
  nvme: MemoryStick,
  disk: HardDrive,
  virtual: FileBox,
};

export function DriveIcon({ kind }: { kind: DriveKind }) {
  const Icon = ICONS[kind];
  return (
    <span className="drive-kind" data-kind={kind}>
      <Icon className="drive-icon" aria-hidden="true" size={32} strokeWidth={1.6} />
      <span className="kind-words">{DRIVE_KIND_WORDS[kind]}</span>
    </span>
  );
}
