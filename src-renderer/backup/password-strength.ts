// A simple, honest hint about a new image's password: it counts only its length and the
// kinds of characters in it (lower case, capitals, digits, others), and says so. It cannot
// know whether the password is a common word or used elsewhere; scrypt (age's passphrase
// lock) makes each guess cost about a second, which helps a long password, not a short one.

export type Strength = 'weak' | 'fair' | 'strong';

export interface StrengthHint {
  strength: Strength;
  words: string;
}

const KINDS: Array<[RegExp, string]> = [
  [/\p{Ll}/u, 'lower case'],
  [/\p{Lu}/u, 'capitals'],
  [/\p{N}/u, 'digits'],
  [/[^\p{Ll}\p{Lu}\p{N}]/u, 'other characters'],
];

/** The kinds of characters `password` holds. */
export function characterKinds(password: string): string[] {
  return KINDS.filter(([pattern]) => pattern.test(password)).map(([, name]) => name);
}

export function passwordStrength(password: string): StrengthHint {
  const length = [...password].length;
  const kinds = characterKinds(password);
  const strength: Strength =
    length < 10 || (length < 14 && kinds.length < 3)
      ? 'weak'
      : length < 16 && kinds.length < 4
        ? 'fair'
        : 'strong';
  const counted = `${length} character${length === 1 ? '' : 's'}${
    kinds.length > 0 ? ` (${kinds.join(', ')})` : ''
  }`;
  const advice =
    strength === 'weak'
      ? length < 10
        ? ': short passwords can be guessed. Use 14 or more characters, or several unrelated words.'
        : ': add length or other kinds of characters.'
      : strength === 'fair'
        ? ': longer is stronger.'
        : '.';
  return {
    strength,
    words: `${strength[0]!.toUpperCase()}${strength.slice(1)}: ${counted}${advice}`,
  };
}
