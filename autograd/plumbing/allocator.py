"""Keep freed memory in the process (glibc only), so numpy's large temporaries reuse pages.

A training step allocates and frees the same large arrays again and again. By default glibc
serves blocks above 128 KiB with mmap and returns them to the kernel when freed, so every step
pays page faults to get them back (measured here: 20–35 % of a numpy training step). Raising
the mmap and trim thresholds keeps those blocks in the heap for reuse. The cost is a process
that holds on to its peak memory. Set BACKPROPLAB_KEEP_MALLOC=1 to leave the allocator alone.

`import autograd` changes nothing. The first backward pass of a process calls `tune_once()`,
and so do `models.train.Trainer` (before it builds the model) and the command line (at its
start), so a notebook or a plain script that trains gets the setting too, with no call of its
own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 * 1024 * 1024     # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 512 * 1024 * 1024


def tune() -> bool:
    """Raise glibc's thresholds; True if it was done."""
    if os.environ.get("BACKPROPLAB_KEEP_MALLOC") or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):   # not glibc (musl, …): nothing to tune
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


first_time = True   # until tune_once runs (the engine checks this before each backward pass)


def tune_once() -> bool:
    """`tune()`, once per process: later calls do nothing and return False."""
    global first_time
    if not first_time:
        return False
    first_time = False
    return tune()
