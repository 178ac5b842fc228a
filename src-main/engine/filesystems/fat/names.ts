// The names of FAT: the 8.3 short name every entry has (bytes in an OEM code page, upper case,
// with two flags that Windows NT and mtools use to show a base or extension in lower case), and
// the long name (VFAT) that entries before it may carry in UTF-16, tied to the short name by a
// checksum.

/**
 * Code page 850 (DOS Latin-1), bytes 0x80–0xFF. mtools decodes short names with 850 unless told
 * otherwise, and it holds the accented capitals that short names use; 437 (the US code page,
 * Linux's default) lacks most of them. A short name only shows when an entry has no valid long
 * name, and names with other letters get long names.
 */
const CP850_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0';

const decodeOem = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => (b < 0x80 ? String.fromCharCode(b) : CP850_HIGH[b - 0x80]!)).join('');

/** Short names are padded with spaces; only those are padding (not byte 0xFF, a no-break space
 *  in code page 850, which String.trimEnd would take too). */
const withoutPadding = (text: string) => text.replace(/ +$/, '');

/** Characters no short name may hold (besides control characters). */
const SHORT_FORBIDDEN = new Set([...'"*/:<>?\\|.'].map((c) => c.charCodeAt(0)));

/** NT's case flags in byte 12 of an entry: show the base / the extension in lower case. */
const LOWER_BASE = 0x08;
const LOWER_EXTENSION = 0x10;

/**
 * The short name of an entry (its first 11 bytes and its case flags), or null when those bytes
 * cannot be a name (a control character, a path separator): the folder is then not a folder.
 */
export function shortName(entry: Buffer, caseFlags: number): string | null {
  const raw = Buffer.from(entry.subarray(0, 11));
  // 0xE5 marks a deleted entry, so a name starting with byte 0xE5 stores 0x05 instead.
  if (raw[0] === 0x05) raw[0] = 0xe5;
  if (raw[0] === 0x20) return null;
  for (const b of raw) if (b < 0x20 || SHORT_FORBIDDEN.has(b)) return null;
  let base = withoutPadding(decodeOem(raw.subarray(0, 8)));
  let extension = withoutPadding(decodeOem(raw.subarray(8, 11)));
  if (caseFlags & LOWER_BASE) base = base.toLowerCase();
  if (caseFlags & LOWER_EXTENSION) extension = extension.toLowerCase();
  const name = extension ? `${base}.${extension}` : base;
  return isSafeName(name) ? name : null;
}

/** The volume label an entry of the root folder holds (11 bytes, spaces allowed inside). */
export function volumeLabel(entry: Buffer): string | null {
  const raw = entry.subarray(0, 11);
  if (raw.some((b) => b < 0x20)) return null;
  return withoutPadding(decodeOem(raw)) || null;
}

/** The checksum of the 11 short-name bytes that each long-name entry repeats. */
export function shortNameChecksum(entry: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + entry[i]!) & 0xff;
  return sum;
}

/** The 13 UTF-16 code units of one long-name entry, in their three places. */
export function longNamePart(entry: Buffer): Uint16Array {
  const units = new Uint16Array(13);
  let i = 0;
  for (const [from, to] of [
    [1, 11],
    [14, 26],
    [28, 32],
  ] as const) {
    for (let at = from; at < to; at += 2) units[i++] = entry.readUInt16LE(at);
  }
  return units;
}

/**
 * The long name from its parts (in name order), or null when it is not a valid name: it ends at
 * the first 0x0000, and what follows is 0xFFFF padding.
 */
export function longName(parts: Uint16Array[]): string | null {
  const units: number[] = [];
  let ended = false;
  for (const part of parts) {
    for (const unit of part) {
      if (ended) {
        if (unit !== 0xffff && unit !== 0) return null;
      } else if (unit === 0) {
        ended = true;
      } else {
        units.push(unit);
      }
    }
  }
  if (units.length === 0 || units.length > 255) return null;
  const name = String.fromCharCode(...units);
  return isSafeName(name) ? name : null;
}

/**
 * Whether a name decoded from the disk may be handed out: not empty, not "." or "..", and free
 * of the characters FAT, exFAT and Windows forbid (control characters, "/", "\", ":" …). A name
 * with "/" or ".." would let an extraction write outside its folder.
 */
export function isSafeName(name: string): boolean {
  if (name === '' || name === '.' || name === '..') return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || '"*/:<>?\\|'.includes(name[i]!)) return false;
  }
  return true;
}
