#!/usr/bin/python3
"""unreadable-target.py BACKING MOUNTDIR --bad START:END[,START:END...]

A drive that takes writes but cannot read some of them back, for restore's read-back tests:
serves BACKING read-write as MOUNTDIR/disk through FUSE, and fails reads that touch a bad
byte range with EIO. Writes everywhere succeed. Mounted with direct_io, so every read of a
loop device over MOUNTDIR/disk reaches this process (no page cache in between).

Runs in the foreground until unmounted (`fusermount3 -u MOUNTDIR`) or killed.
Needs Debian's python3-fusepy and fuse3.
"""
import argparse
import errno
import os

from fusepy import FUSE, FuseOSError, Operations


class UnreadableTarget(Operations):
    def __init__(self, backing, bad):
        self.backing = backing
        self.bad = bad

    def getattr(self, path, fh=None):
        if path == "/":
            return dict(st_mode=0o40755, st_nlink=2)
        if path == "/disk":
            return dict(st_mode=0o100644, st_nlink=1, st_size=os.stat(self.backing).st_size)
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return [".", "..", "disk"]

    def open(self, path, flags):
        if path != "/disk":
            raise FuseOSError(errno.ENOENT)
        return os.open(self.backing, os.O_RDWR)

    def read(self, path, size, offset, fh):
        if any(offset < end and offset + size > start for start, end in self.bad):
            raise FuseOSError(errno.EIO)
        return os.pread(fh, size, offset)

    def write(self, path, data, offset, fh):
        return os.pwrite(fh, data, offset)

    def truncate(self, path, length, fh=None):
        raise FuseOSError(errno.EPERM)

    def fsync(self, path, datasync, fh):
        os.fsync(fh)
        return 0

    def release(self, path, fh):
        os.close(fh)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("backing")
    parser.add_argument("mountdir")
    parser.add_argument("--bad", required=True)
    args = parser.parse_args()
    bad = []
    for part in filter(None, args.bad.split(",")):
        start, end = (int(x) for x in part.split(":"))
        bad.append((start, end))
    FUSE(UnreadableTarget(args.backing, bad), args.mountdir, foreground=True, direct_io=True)


if __name__ == "__main__":
    main()
