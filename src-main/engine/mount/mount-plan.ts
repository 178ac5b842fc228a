// Which of the system's drivers mounts which filesystem read-only, and the folder each
// partition appears in: pure decisions, so they are tested without mounting anything.

export type Driver =
  /** The kernel's own driver: mount -t TYPE. */
  | { kind: 'kernel'; type: string; options: string }
  /** A FUSE driver run through mount(8): mount -t TYPE (mount.TYPE helper). */
  | { kind: 'fuse'; type: string; options: string };

export type DriverChoice = { driver: Driver } | { driver: null; reason: string };

/**
 * The driver for `filesystem` ('ext4', 'vfat', 'fat32', 'exfat', 'ntfs'…). `available` says
 * which mount types this system has (kernel ones from /proc/filesystems, FUSE ones from the
 * mount.TYPE helpers installed).
 */
export function driverFor(filesystem: string | null, available: ReadonlySet<string>): DriverChoice {
  switch (filesystem) {
    case 'ext2':
    case 'ext3':
    case 'ext4':
      // noload: an unclean journal is not replayed (replaying writes; the device is read-only).
      return available.has('ext4') || available.has(filesystem)
        ? {
            driver: {
              kind: 'kernel',
              type: available.has('ext4') ? 'ext4' : filesystem,
              options: 'ro,noload',
            },
          }
        : { driver: null, reason: `this system has no ${filesystem} driver` };
    case 'vfat':
    case 'fat12':
    case 'fat16':
    case 'fat32':
      return available.has('vfat')
        ? { driver: { kind: 'kernel', type: 'vfat', options: 'ro' } }
        : { driver: null, reason: 'this system has no FAT driver (the vfat kernel module)' };
    case 'exfat':
      if (available.has('exfat'))
        return { driver: { kind: 'kernel', type: 'exfat', options: 'ro' } };
      return available.has('exfat-fuse')
        ? { driver: { kind: 'fuse', type: 'exfat-fuse', options: 'ro' } }
        : { driver: null, reason: 'this system has no exFAT driver (exfat-fuse or the kernel’s)' };
    case 'ntfs':
      return available.has('ntfs-3g')
        ? { driver: { kind: 'fuse', type: 'ntfs-3g', options: 'ro' } }
        : { driver: null, reason: 'this system has no NTFS driver (ntfs-3g)' };
    case 'swap':
      return { driver: null, reason: 'it is swap space: it holds no files' };
    case null:
      return { driver: null, reason: 'no filesystem was recognised on it' };
    default:
      return { driver: null, reason: `${filesystem} is not a filesystem Spillway mounts` };
  }
}

/** "2-home", "1-ext4": the partition's number, then its label or filesystem, safe as a name. */
export function folderName(index: number, label: string | null, filesystem: string | null): string {
  const word = (label ?? filesystem ?? 'partition')
    .replace(/[/\0]/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 64);
  return word ? `${index}-${word}` : `${index}`;
}
