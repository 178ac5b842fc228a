// Was the NTFS volume cleanly unmounted? Its journal ($LogFile) says so: either it is empty
// (all 0xFF: emptied after a clean unmount, as ntfs-3g and mkntfs leave it) or its restart
// areas have no client left or carry the "volume is clean" flag. A volume still mounted by
// Windows, hibernated or left by Windows' fast startup has metadata only the journal can
// complete: its bitmap cannot be trusted, so it is read whole.

import { Distrust } from '../../read-at.js';
import { applyFixups } from './records.js';

/** Reads `length` bytes at `offset` of the $LogFile stream. */
export type ReadLog = (offset: number, length: number) => Promise<Buffer>;

const BLOCK = 512;
const NO_CLIENT = 0xffff;
const RESTART_VOLUME_IS_CLEAN = 0x0002;
const NEEDS_RECOVERY = 'NTFS needs recovery: was not cleanly unmounted / hibernated';

/** Returns when the journal says the volume is clean; throws Distrust otherwise. */
export async function checkLogFileClean(readLog: ReadLog, logSize: number): Promise<void> {
  if (logSize < 2 * 4096) throw new Distrust('NTFS $LogFile is too small');
  // The restart pages are at 0 and at the system page size (a power of two): probe every
  // power-of-two offset, as the kernel's driver does.
  let empty = true;
  const restartPages: Buffer[] = [];
  for (let pos = 0; pos + BLOCK <= logSize; pos = pos === 0 ? BLOCK : pos * 2) {
    const head = await readLog(pos, BLOCK);
    const blank = head.readUInt32LE(0) === 0xffffffff;
    if (!blank) empty = false;
    else if (!empty) break;
    const magic = head.toString('latin1', 0, 4);
    if (magic === 'RCRD') break; // log records: no restart page after them
    if (magic === 'CHKD') throw new Distrust('NTFS $LogFile was left by chkdsk');
    if (magic !== 'RSTR') continue;
    restartPages.push(await restartPage(readLog, head, pos, logSize));
    if (pos > 0) break; // the second one
  }
  if (empty) return;
  if (restartPages.length === 0) throw new Distrust('NTFS $LogFile has no restart area');
  // Both copies are identical after a clean unmount; either one saying otherwise is doubt.
  for (const page of restartPages) {
    const area = page.readUInt16LE(0x18);
    const clientsInUse = page.readUInt16LE(area + 0x0c);
    const flags = page.readUInt16LE(area + 0x0e);
    if (clientsInUse !== NO_CLIENT && !(flags & RESTART_VOLUME_IS_CLEAN)) {
      throw new Distrust(NEEDS_RECOVERY);
    }
  }
}

/** A whole restart page, fixups applied and its header checked. */
async function restartPage(
  readLog: ReadLog,
  head: Buffer,
  pos: number,
  logSize: number,
): Promise<Buffer> {
  const bad = (why: string) => new Distrust(`NTFS $LogFile restart page ${why}`);
  const systemPageSize = head.readUInt32LE(0x10);
  const logPageSize = head.readUInt32LE(0x14);
  const pow2 = (n: number) => n >= BLOCK && n <= 65536 && (n & (n - 1)) === 0;
  if (!pow2(systemPageSize) || !pow2(logPageSize)) throw bad('has an unknown page size');
  if (pos !== 0 && pos !== systemPageSize) throw bad('is at the wrong place');
  if (pos + systemPageSize > logSize) throw bad('runs past the journal');
  const minor = head.readInt16LE(0x1a);
  const major = head.readInt16LE(0x1c);
  // 1.1 up to Windows 7, 2.0 since Windows 8.
  if (!((major === 1 && minor === 1) || (major === 2 && minor === 0))) {
    throw bad(`has the unknown version ${major}.${minor}`);
  }
  const page = await readLog(pos, systemPageSize);
  applyFixups(page, '$LogFile restart page');
  const area = page.readUInt16LE(0x18);
  if (area % 8 !== 0 || area < 0x20 || area + 0x30 > systemPageSize) {
    throw bad('has its restart area out of place');
  }
  return page;
}
