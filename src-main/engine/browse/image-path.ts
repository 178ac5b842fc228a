// "2:/docs/letter.odt": a path inside an image, with the number of the partition it is in.
// Without the number ("/docs/letter.odt") it means the one partition that holds files.

export interface ImagePath {
  /** As `spillway ls IMAGE` numbers them; null when not given. */
  partition: number | null;
  /** '/'-separated, from the partition's root. */
  path: string;
}

/** Parses "N:/path", "N:path", "N:" (the root) or "/path"; null when it is none of these. */
export function parseImagePath(text: string): ImagePath | null {
  const numbered = /^(\d{1,4}):(.*)$/s.exec(text);
  if (numbered) {
    const partition = Number(numbered[1]);
    if (partition < 1) return null;
    return { partition, path: normalPath(numbered[2]!) };
  }
  if (text.startsWith('/')) return { partition: null, path: normalPath(text) };
  return null;
}

/** '/a//b/./c/' → '/a/b/c'; '' → '/'. '..' is kept: browsePath refuses it. */
export function normalPath(path: string): string {
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  return '/' + parts.join('/');
}

/** How a path is shown: "2:/docs" (or "/docs" when no number was given). */
export function showImagePath(partition: number | null, path: string): string {
  return partition === null ? path : `${partition}:${path}`;
}

/** The last part of a path ('' for the root). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `name` under the folder `folder`. */
export function childPath(folder: string, name: string): string {
  return folder === '/' ? `/${name}` : `${folder}/${name}`;
}
