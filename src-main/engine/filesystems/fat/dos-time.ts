// The date and time FAT and exFAT store: 16 bits of date (year since 1980, month, day) and 16
// of time (hours, minutes, seconds / 2), exFAT adding hundredths and a UTC offset.
//
// FAT's times carry no zone: they are the wall-clock time of the computer that wrote them. They
// are read here as this computer's local time, as mtools, the Linux kernel (by default) and
// Windows all do, so a file extracted by Spillway gets the same mtime as one copied out with
// `mcopy -m` or from a mounted drive on this computer. Treating them as UTC instead would shift
// every time by the local offset when shown in local time.

/** The instant a DOS date and time stand for; null when the fields are not a date. */
export function dosTime(
  date: number,
  time: number,
  /** exFAT: 0–199 hundredths of a second added to the two-second time. */
  hundredths = 0,
  /** exFAT: the offset from UTC the time was written in, when recorded; else local time. */
  utcOffsetMinutes: number | null = null,
): number | null {
  const day = date & 0x1f;
  const month = (date >> 5) & 0xf;
  const year = 1980 + (date >> 9);
  const seconds = (time & 0x1f) * 2;
  const minutes = (time >> 5) & 0x3f;
  const hours = time >> 11;
  if (day === 0 || month === 0 || month > 12 || hours > 23 || minutes > 59 || seconds > 58) {
    return null;
  }
  if (hundredths > 199) return null;
  const ms = hundredths * 10;
  if (utcOffsetMinutes === null) {
    return new Date(year, month - 1, day, hours, minutes, seconds, ms).getTime();
  }
  return Date.UTC(year, month - 1, day, hours, minutes, seconds, ms) - utcOffsetMinutes * 60_000;
}
