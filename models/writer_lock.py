"""One training run at a time per checkpoint folder: an advisory lock file with its owner's pid.

`train` holds `OUT/.train.lock` while it writes OUT. A second `train` into the same folder is
refused by name instead of interleaving two runs' saves; a lock left behind by a run that no
longer exists (killed with SIGKILL, say) is taken over."""

from __future__ import annotations

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
    with os.fdopen(descriptor, "w") as file:
        file.write(f"{os.getpid()}\n")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _take(path: Path) -> int:
    for _ in range(2):   # a second try after clearing a dead run's lock
        try:
            return os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _owner(path)
            if owner is not None and _running(owner):
                raise DataError(f"{path.parent} is being written by another training run (pid "
                                f"{owner}); wait for it to end, or choose another --out") from None
            path.unlink(missing_ok=True)   # left by a run that died
    raise DataError(f"{path.parent}: another training run took its lock at the same moment")


def _owner(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None   # being written this very moment, or not ours: treated as stale


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True   # someone else's process
    return True
