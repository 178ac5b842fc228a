// A drive's path as a row's text holds it: not also the start of another drive's path
// (a row of /dev/loop1 must not also pick /dev/loop12, attached by another test run).

/** Matches `path` not followed by a digit. */
export function drivePath(path: string): RegExp {
  return new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?!\\d)');
}
