// Default names of images: the drive's name, the day and the time, and the codec's
// extension ("sdb-2026-11-22-1030.img.zst"). They never collide with what a folder holds:
// a second backup within the same minute is "sdb-2026-11-22-1030-2.img.zst", then -3, …
// Pure: the caller says which names the folder holds.

/** "2026-11-22-1030", local time: sorts by date, readable in a file manager. */
export function imageStamp(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}-` +
    `${pad(now.getHours())}${pad(now.getMinutes())}`
  );
}

/**
 * The stem for a source: what the drive list calls a drive (its notes in parentheses left
 * out), else a drive's kernel name or a file's name without its extension.
 */
export function imageStem(source: string, name: string = source): string {
  if (source === '-') return 'stdin';
  const base =
    name === source
      ? (source.split('/').filter(Boolean).pop() ?? 'drive')
      : name.replace(/\([^)]*\)/g, ' ');
  const stem = base
    .replace(/\.(img|bin|iso|raw)(\.\w+)?$/i, '')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return stem === '' ? 'drive' : stem;
}

/** Whether `name` is taken in a folder holding `names`: the image itself, its first part
 *  (split images), or one being written. */
export function nameTaken(name: string, names: ReadonlySet<string>): boolean {
  return names.has(name) || names.has(`${name}.000`) || names.has(`${name}.incomplete`);
}

/** The first free name of "STEM-STAMP[-N]EXT" in a folder holding `names`. */
export function uniqueImageName(
  source: string,
  extension: string,
  now: Date,
  names: ReadonlySet<string>,
  /** What the drive list calls the source, when it is a listed drive. */
  name: string = source,
): string {
  const base = `${imageStem(source, name)}-${imageStamp(now)}`;
  for (let n = 1; ; n++) {
    const name = `${base}${n === 1 ? '' : `-${n}`}${extension}`;
    if (!nameTaken(name, names)) return name;
  }
}
