// What kind of drive a listed drive is, as a person recognises it on sight: a USB stick or
// disk, an SD card, an NVMe drive, a disk inside the computer (SATA, SAS, virtio…), or a
// virtual disk (a loop device over a file). Read from the drive list's bus type and path.

export type DriveKind = 'usb' | 'sd' | 'nvme' | 'disk' | 'virtual';

export const DRIVE_KIND_WORDS: Record<DriveKind, string> = {
  usb: 'USB drive',
  sd: 'SD card',
  nvme: 'NVMe drive',
  disk: 'Disk',
  virtual: 'Virtual disk',
};

interface Listed {
  path: string;
  busType: string;
  virtual: boolean;
}

export function driveKind(drive: Listed): DriveKind {
  const bus = drive.busType.toUpperCase();
  if (drive.virtual || bus === 'LOOP') return 'virtual';
  // A card in the computer's own reader is an mmcblk device (lsblk: no transport, or "mmc").
  if (bus === 'MMC' || bus === 'SD' || /^\/dev\/mmcblk\d+$/.test(drive.path)) return 'sd';
  if (bus === 'USB') return 'usb';
  if (bus === 'NVME' || /^\/dev\/nvme\d+n\d+$/.test(drive.path)) return 'nvme';
  return 'disk';
}
