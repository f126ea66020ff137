"""`train --threads N`: how many threads numpy's BLAS (its matrix products) may use, as
PyTorch's `torch.set_num_threads(N)`.

By default numpy's OpenBLAS starts one thread per core. At this project's default sizes a
second thread gains nothing (a matrix product of 64 × 64 is over before it is shared out) and
spins on a core that a live page's server, or the browser, needs. Why threadpoolctl: numpy's
wheels bundle OpenBLAS under a private name whose thread count only its own function changes
once numpy is loaded (OPENBLAS_NUM_THREADS is read only at load); threadpoolctl finds that
library (or MKL, or BLIS) and calls it.
"""

from __future__ import annotations

import sys


def use_threads(count: int) -> None:
    """Let numpy's BLAS use at most `count` threads from now on, in this process (one line on
    stderr where no BLAS that threadpoolctl knows is loaded: nothing can be changed)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    if not any(library["user_api"] == "blas" for library in threadpool_info()):
        print(f"--threads {count}: numpy's BLAS here is none threadpoolctl can set; its matrix "
              "products keep their own thread count", file=sys.stderr)
        return
    threadpool_limits(limits=count, user_api="blas")
