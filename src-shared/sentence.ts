// Messages are built from pieces that may already end a sentence ("… after 3999 bytes."):
// joining them must not print "bytes.. Nothing".

/** `text` ending one sentence: a full stop added unless it already ends with one (or ?, !, …). */
export function endSentence(text: string): string {
  const trimmed = text.trimEnd();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
