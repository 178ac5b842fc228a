// The strength hint judges only length and kinds of characters, and says what it counted.

import { describe, expect, it } from 'vitest';
import { characterKinds, passwordStrength } from './password-strength.js';

describe('the password strength hint', () => {
  it('calls a short password weak, whatever its characters', () => {
    expect(passwordStrength('aB3$x').strength).toBe('weak');
    expect(passwordStrength('aB3$xY7!q').words).toMatch(/^Weak: 9 characters .*short/);
  });

  it('calls a middling one of few kinds weak, of more kinds fair', () => {
    expect(passwordStrength('abcdefghijk').strength).toBe('weak');
    expect(passwordStrength('abcdefGHIJK12').strength).toBe('fair');
  });

  it('calls a long one, or one of every kind, strong', () => {
    expect(passwordStrength('correct horse battery staple').strength).toBe('strong');
    expect(passwordStrength('aB3$efghijklmn').strength).toBe('strong');
  });

  it('counts the kinds of characters it saw, letters beyond ASCII too', () => {
    expect(characterKinds('Äpfel 12')).toEqual([
      'lower case',
      'capitals',
      'digits',
      'other characters',
    ]);
    expect(passwordStrength('').words).toBe(
      'Weak: 0 characters: short passwords can be guessed. Use 14 or more characters, or several unrelated words.',
    );
  });
});
