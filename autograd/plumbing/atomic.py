"""Files written so that a reader never sees half of one: a temporary file, then a rename.

A set of files (a checkpoint) is staged in full before the first rename, so the renames follow
one another within microseconds; `interrupts_deferred` holds Ctrl-C back until a save is done."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def write_atomically(path: str | Path, data: bytes | str) -> Path:
    """Write `data` (text is UTF-8 encoded) to `path` via a temporary file and `os.replace`."""
    path = Path(path)
    write_files_atomically({path: data})
    return path


def write_files_atomically(files: Mapping[Path, bytes | str]) -> None:
    """Write every file to a temporary name (fsynced) first, then rename them in the given order.

    Nothing is renamed unless every file was written in full, so a full disk or an error leaves
    all the old files as they were."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            staged.append((_staged_copy(path, data), path))
        while staged:
            temporary, path = staged[0]
            os.replace(temporary, path)
            staged.pop(0)
    finally:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)


def _staged_copy(path: Path, data: bytes | str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temporary, 0o666 & ~_umask())   # mkstemp's private 0600 is not what users expect
        write_and_sync(handle, payload)
    except OSError as error:   # a full disk: name the file (a write's error names none)
        Path(temporary).unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror, str(path)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def write_and_sync(descriptor: int, data: bytes) -> None:
    """Write all of `data` to an open file, fsync it, and close it."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sync_folder(folder: str | Path) -> None:
    """fsync a folder, so that the names made in it survive a crash."""
    write_and_sync(os.open(folder, os.O_RDONLY), b"")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) that arrives inside the block and deliver it when the block ends.

    An interrupt raised in the middle of a save would leave some files new and some old (and
    numpy's zip writer turns it into an unrelated ValueError). Outside the main thread, or when
    Python does not own the SIGINT handler, signals cannot be caught and the block runs as is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is None or previous is signal.SIG_IGN:
        yield
        return
    received: list[int] = []
    signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            signal.raise_signal(signal.SIGINT)   # now to the handler that was in place
