#!/usr/bin/python3
"""faulty-drive.py BACKING MOUNTDIR [--bad START:END,...] [--vanish-after BYTES] [--writable]

A failing drive for tests. Serves the file BACKING as MOUNTDIR/disk through FUSE; a loop
device attached over MOUNTDIR/disk then gets real I/O errors from the kernel, as from a
failing drive (this kernel has no device-mapper, whose "error" target would be the usual way).

  --bad START:END,...   reads that touch one of these byte ranges (END exclusive) fail (EIO)
  --vanish-after BYTES  once BYTES have been read, every read and write fails: the drive was
                        unplugged, or died
  --writable            writes are taken (everywhere, bad ranges too: a drive that takes
                        writes but cannot read them back); read-only without it

Mounted with direct_io, so every read of the loop device reaches this process: no page cache
in between answers for it. Runs in the foreground until unmounted (`fusermount3 -u MOUNTDIR`)
or killed. Needs Debian's python3-fusepy and fuse3.
"""
import argparse
import errno
import os
import threading

from fusepy import FUSE, FuseOSError, Operations


class FaultyDrive(Operations):
    def __init__(self, backing, bad, vanish_after, writable):
        self.backing = backing
        self.bad = bad
        self.vanish_after = vanish_after
        self.writable = writable
        # FUSE calls come from several threads: the count of bytes read is kept under a lock.
        self.count_lock = threading.Lock()
        self.bytes_read = 0

    def gone(self):
        with self.count_lock:
            return self.vanish_after is not None and self.bytes_read >= self.vanish_after

    def getattr(self, path, fh=None):
        if path == "/":
            return dict(st_mode=0o40755, st_nlink=2)
        if path == "/disk":
            mode = 0o100644 if self.writable else 0o100444
            return dict(st_mode=mode, st_nlink=1, st_size=os.stat(self.backing).st_size)
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return [".", "..", "disk"]

    def open(self, path, flags):
        if path != "/disk":
            raise FuseOSError(errno.ENOENT)
        if not self.writable and (flags & os.O_ACCMODE) != os.O_RDONLY:
            raise FuseOSError(errno.EROFS)
        return os.open(self.backing, os.O_RDWR if self.writable else os.O_RDONLY)

    def read(self, path, size, offset, fh):
        if self.gone():
            raise FuseOSError(errno.EIO)
        if any(offset < end and offset + size > start for start, end in self.bad):
            raise FuseOSError(errno.EIO)
        data = os.pread(fh, size, offset)
        with self.count_lock:
            self.bytes_read += len(data)
        return data

    def write(self, path, data, offset, fh):
        if not self.writable:
            raise FuseOSError(errno.EROFS)
        if self.gone():
            raise FuseOSError(errno.EIO)
        return os.pwrite(fh, data, offset)

    def truncate(self, path, length, fh=None):
        # A drive's size does not change.
        raise FuseOSError(errno.EPERM)

    def fsync(self, path, datasync, fh):
        os.fsync(fh)
        return 0

    def release(self, path, fh):
        os.close(fh)


def byte_ranges(text):
    ranges = []
    for part in filter(None, text.split(",")):
        try:
            start, end = (int(x) for x in part.split(":"))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not START:END: {part}")
        if not 0 <= start < end:
            raise argparse.ArgumentTypeError(f"not a range of bytes: {part}")
        ranges.append((start, end))
    return ranges


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backing")
    parser.add_argument("mountdir")
    parser.add_argument("--bad", type=byte_ranges, default=[])
    parser.add_argument("--vanish-after", type=int, default=None)
    parser.add_argument("--writable", action="store_true")
    args = parser.parse_args()
    drive = FaultyDrive(args.backing, args.bad, args.vanish_after, args.writable)
    FUSE(drive, args.mountdir, foreground=True, ro=not args.writable, direct_io=True)


if __name__ == "__main__":
    main()
