// A partition as a partition table describes it, before any filesystem is looked at.

export interface FoundPartition {
  /** 1-based, as in /dev/sdb1 (logical MBR partitions from 5). */
  index: number;
  /** Byte offset and length on the drive. */
  start: number;
  size: number;
  /** GPT type GUID, or MBR type byte ("0x83"). */
  type: string;
  name?: string;
  uuid?: string;
  bootable?: boolean;
  /** An MBR extended partition: holds the logical ones, no filesystem of its own. */
  container?: boolean;
}
