// Messages are built from pieces that may already end a sentence ("… after 3999 bytes."):
// joining them must not print "bytes.. Nothing".

/** `text` ending one sentence: a full stop added unless it already ends with one (or ?, !, …). */
export function endSentence(text: string): string {
  const trimmed = text.trimEnd();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** "an 8.00 MiB sample", "a 12.0 MiB sample": the article a phrase is read with. */
export function withArticle(phrase: string): string {
  return `${startsWithVowelSound(phrase) ? 'an' : 'a'} ${phrase}`;
}

function startsWithVowelSound(phrase: string): boolean {
  const digits = /^\d[\d,]*/.exec(phrase)?.[0].replace(/,/g, '');
  if (digits) {
    // Read aloud: "eight…", "eighty…", "eleven…", "eighteen…" (and thousands of them).
    if (digits.startsWith('8')) return true;
    return digits.length % 3 === 2 && (digits.startsWith('11') || digits.startsWith('18'));
  }
  return /^[aeiou]/i.test(phrase);
}
