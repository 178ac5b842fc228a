// Shell-style name patterns for `find`: * (any run of characters but '/'), ** (any run,
// '/' included), ? (one character), [abc] / [a-z] / [!abc] (one of, or none of, a set);
// a backslash takes the next character as it is. Compiled once into a regular expression.

export interface Glob {
  /** Whether the pattern is matched against whole paths ('/' in it) or against names. */
  readonly matchesPaths: boolean;
  test(text: string): boolean;
}

export function compileGlob(pattern: string, caseInsensitive: boolean): Glob {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        source += '.*';
        i++;
      } else {
        source += '[^/]*';
      }
    } else if (c === '?') {
      source += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        source += '\\[';
        continue;
      }
      let set = pattern.slice(i + 1, end);
      const negated = set.startsWith('!') || set.startsWith('^');
      if (negated) set = set.slice(1);
      // Inside a class only these mean something to a regular expression.
      set = set.replace(/[\\\]^]/g, (m) => `\\${m}`);
      source += negated ? `[^/${set}]` : `[${set}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      source += escape(pattern[++i]!);
    } else {
      source += escape(c);
    }
  }
  const regex = new RegExp(`^${source}$`, caseInsensitive ? 'iu' : 'u');
  return { matchesPaths: pattern.includes('/'), test: (text) => regex.test(text) };
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, (m) => `\\${m}`);
}
