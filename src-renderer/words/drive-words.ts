// What a drive is called in titles and file names: the name the drive list gives it
// ("SanDisk Cruzer Blade"), not its /dev path; a file keeps its path.

interface Named {
  path: string;
  description: string;
}

/** The listed drive's name, else the path itself (a file, or a drive not listed). */
export function nameOf(path: string, drives: readonly Named[]): string {
  const drive = drives.find((d) => d.path === path);
  return drive && drive.description.trim() !== '' ? drive.description : path;
}

/** "Back up SanDisk Cruzer Blade", "Restore onto 256 GiB disk". */
export function jobTitle(
  kind: 'backup' | 'restore',
  path: string,
  drives: readonly Named[],
): string {
  const name = nameOf(path, drives);
  return kind === 'backup' ? `Back up ${name}` : `Restore onto ${name}`;
}
