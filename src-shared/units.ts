// Sizes, rates and durations: parsing what users type and formatting what they read.
// Binary units throughout (a "4M" frame is 4 MiB), as dd, split and pv do.

const BINARY: Record<string, number> = {
  '': 1,
  b: 1,
  k: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gib: 2 ** 30,
  t: 2 ** 40,
  tib: 2 ** 40,
};
const DECIMAL: Record<string, number> = { kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12 };

/**
 * Parses "4M", "64MiB", "2G", "100MB", "1.5G" or a plain byte count into bytes.
 * Single letters and *iB are binary; *B (kB, MB, GB, TB) are decimal, as printed on drives.
 * A trailing "/s" is accepted so rates parse the same way.
 */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*(?:\/s)?\s*$/i.exec(text);
  if (!match) throw new RangeError(`not a size: "${text}" (try 4M, 64MiB, 2G)`);
  const unit = match[2]!.toLowerCase();
  const factor = BINARY[unit] ?? DECIMAL[unit];
  if (factor === undefined) throw new RangeError(`unknown unit "${match[2]}" in "${text}"`);
  const bytes = Number(match[1]) * factor;
  if (!Number.isSafeInteger(Math.round(bytes))) throw new RangeError(`size too large: "${text}"`);
  return Math.round(bytes);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → "1.5 KiB"; three significant digits, like pv and ls -h. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${bytes < 0 ? '-' : ''}${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number | null): string {
  return bytesPerSecond === null ? '—' : `${formatBytes(bytesPerSecond)}/s`;
}

/** 3725 → "1:02:05", 65 → "1:05". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Uncompressed over compressed, e.g. 3.21 (×). null until something was written. */
export function compressionRatio(uncompressed: number, compressed: number): number | null {
  return compressed > 0 ? uncompressed / compressed : null;
}
