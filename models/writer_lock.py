"""One training run at a time per checkpoint folder: the kernel's `flock` on `OUT/.train.lock`.

`train` holds the lock while it examines and writes OUT. A second `train` into the same folder is
refused by name instead of interleaving two runs' saves. The kernel releases the lock when its
process ends, however it ends (SIGKILL included), so a lock is never stale and a pid reused by
another process blocks nothing; the pid written into the file only names the holder in the
refusal."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from models.data import DataError

LOCK_NAME = ".train.lock"


@contextmanager
def one_writer(folder: str | Path) -> Iterator[None]:
    """Hold `folder`'s training lock for the block (the folder is made if need be)."""
    path = Path(folder) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = _take(path)
    try:
        try:
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{os.getpid()}\n".encode())
        except OSError:
            pass   # a full disk: the pid only names the holder in a refusal; the lock is held
        yield
    finally:
        path.unlink(missing_ok=True)   # while still held: a run waiting on it retries (_take)
        os.close(descriptor)


def _take(path: Path) -> int:
    """An open descriptor of `path`, locked. A file unlinked by the previous holder between our
    open and our lock is a lock nobody else sees: then open the new one."""
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(descriptor, 32).decode(errors="replace").strip()
            os.close(descriptor)
            raise DataError(f"{path.parent} is being written by another training run (pid "
                            f"{owner or '?'}); wait for it to end, or choose another --out") from None
        if _same_file(descriptor, path):
            return descriptor
        os.close(descriptor)


def _same_file(descriptor: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(descriptor).st_ino
    except FileNotFoundError:
        return False
