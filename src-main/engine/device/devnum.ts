// Linux device numbers (dev_t) as "major:minor", the key sysfs and mountinfo use.

/** Splits a dev_t as glibc's gnu_dev_major/minor do, without 32-bit bitwise truncation. */
export function devnumOf(rdev: number): string {
  const value = BigInt(rdev);
  const major = ((value >> 8n) & 0xfffn) | ((value >> 32n) & ~0xfffn);
  const minor = (value & 0xffn) | ((value >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}
