"""Time backproplab against PyTorch and micrograd, side by side: `python -m benchmarks.speed`.

Each (workload, engine) pair runs in its own subprocess with a fixed number of BLAS/OpenMP
threads. All of a workload's engines are started together and then take turns, in many short
bursts (never two at once), so that drift in the machine's speed — on a shared host it can
halve for a fraction of a second — falls on every engine alike. The first losses must agree to
4 decimals (every engine starts from the same weights and data). Prints median and spread per
engine, tokens per second, peak RSS and the ratio to the reference; writes the table, the
machine and the command to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from benchmarks.results import RESULTS, update_section
from benchmarks.workloads import WORKLOADS

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
ENGINE_MODULES = {"backproplab": "autograd", "torch": "torch", "torch-fused": "torch",
                  "micrograd": "micrograd"}
RSS_GOAL = 0.4   # peak RSS at most this fraction of PyTorch's
GOAL_THREADS = 1   # the time goals hold at this many threads; other counts are for comparison
WARM_UP_SECONDS = 0.5


def serve(workload: str, engine: str, threads: int) -> None:
    """The worker: build the step and warm it up, then time bursts of steps on request.

    Requests come one per line on stdin: a number of seconds (answered with the step times of
    a burst that long, at least one step) or `done` (answered with the peak RSS). Answers are
    JSON lines on the original stdout; anything else the engines print goes to stderr.
    """
    from autograd.plumbing import allocator

    if WORKLOADS[workload].tuned:   # as backproplab's CLI does, for every engine alike
        allocator.tune_once()
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    if engine.startswith("torch"):
        import torch

        torch.set_num_threads(threads)
    step, first_loss = WORKLOADS[workload].engines[engine]()
    deadline = time.perf_counter() + WARM_UP_SECONDS
    for warm in range(10**9):
        step()
        if warm >= 2 and time.perf_counter() > deadline:
            break
    print(json.dumps({"first_loss": first_loss}), file=answers, flush=True)
    for request in sys.stdin:
        if request.strip() == "done":
            break
        times: list[float] = []
        deadline = time.perf_counter() + float(request)
        while not times or time.perf_counter() < deadline:
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        print(json.dumps(times), file=answers, flush=True)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_rss_mib": peak_kib / 1024}), file=answers, flush=True)


class Worker:
    """One engine's subprocess for one workload."""

    def __init__(self, workload: str, engine: str, threads: int) -> None:
        self.name = f"{workload}/{engine}"
        env = dict(os.environ, **{name: str(threads) for name in THREAD_VARIABLES})
        command = [sys.executable, "-m", "benchmarks.speed", "--worker", workload, engine,
                   "--threads", str(threads)]
        self.errors: IO[str] = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.errors, text=True)
        self.first_loss = self._answer()["first_loss"]

    def _answer(self):  # type: ignore[no-untyped-def]
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            self.errors.seek(0)
            raise RuntimeError(f"{self.name} failed:\n{self.errors.read()}")
        return json.loads(line)

    def _ask(self, request: str):  # type: ignore[no-untyped-def]
        assert self.process.stdin is not None
        self.process.stdin.write(request + "\n")
        self.process.stdin.flush()
        return self._answer()

    def burst(self, seconds: float) -> list[float]:
        return self._ask(str(seconds))

    def finish(self) -> float:
        """Stop the worker; its peak RSS in MiB."""
        peak = self._ask("done")["peak_rss_mib"]
        self.process.wait()
        self.errors.close()
        return peak


def available(engine: str) -> bool:
    return importlib.util.find_spec(ENGINE_MODULES[engine]) is not None


def measure(names: list[str], rounds: int, seconds: float, threads: int) -> list[dict]:
    rows = []
    for name in names:
        workload = WORKLOADS[name]
        engines = [e for e in workload.engines if available(e)]
        workers = [Worker(name, engine, threads) for engine in engines]
        samples: dict[str, list[float]] = {e: [] for e in engines}
        for turn in range(rounds):
            # alternate who goes first, so that neither always follows the other
            for engine, worker in (zip(engines, workers) if turn % 2 == 0
                                   else reversed(list(zip(engines, workers)))):
                samples[engine] += worker.burst(seconds)
        first = {e: w.first_loss for e, w in zip(engines, workers)}
        peak = {e: w.finish() for e, w in zip(engines, workers)}
        medians = {e: statistics.median(samples[e]) for e in engines}
        rows.append({
            "workload": workload, "engines": engines, "samples": samples, "medians": medians,
            "first": first, "peak": peak, "threads": threads,
            "losses_agree": len({round(v, 4) for v in first.values()}) == 1,
        })
    return rows


def spread(times: list[float]) -> str:
    """Interquartile range, in ms."""
    quartiles = statistics.quantiles(times, n=4) if len(times) > 1 else [times[0]] * 3
    return f"{quartiles[0] * 1e3:.3g}–{quartiles[2] * 1e3:.3g}"


def engine_table(rows: list[dict]) -> list[str]:
    lines = ["| workload | threads | engine | median ms/step | IQR ms | µs/op | tokens/s | "
             "peak RSS MiB | first loss |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        w = row["workload"]
        for engine in row["engines"]:
            median = row["medians"][engine]
            per_op = f"{median * 1e6 / w.ops_per_step:.2f}" if w.ops_per_step else ""
            tokens = f"{w.tokens_per_step / median:,.0f}" if w.tokens_per_step else ""
            lines.append(f"| {w.name} | {row['threads']} | {engine} | {median * 1e3:.3f} | "
                         f"{spread(row['samples'][engine])} | {per_op} | {tokens} | "
                         f"{row['peak'][engine]:.0f} | {row['first'][engine]:.6f} |")
    return lines


def ratio_table(rows: list[dict]) -> list[str]:
    """Each workload's ratio to its reference against the goal; then to any further reference
    (such as PyTorch's fused RNN), for comparison only."""
    lines = ["| workload | threads | ratio (backproplab / reference) | goal | met | "
             f"peak RSS / PyTorch's (goal ≤ {RSS_GOAL}) | first losses agree |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        w, medians, peak = row["workload"], row["medians"], row["peak"]
        rss = "—"
        if "torch" in peak:
            share = peak["backproplab"] / peak["torch"]
            rss = f"{share:.2f} ({'met' if share <= RSS_GOAL else '**not met**'})"
        agree = "yes" if row["losses_agree"] else "**no**"
        for reference in [w.reference, *w.also]:
            if reference not in medians:
                lines.append(f"| {w.name} | {row['threads']} | {reference} not importable | "
                             f"{w.goal if reference == w.reference else '—'} | not measured | "
                             f"{rss} | — |")
                continue
            ratio = medians["backproplab"] / medians[reference]
            if reference != w.reference:
                goal, met = "(second reference)", "—"
            elif row["threads"] != GOAL_THREADS:
                goal, met = f"(goals are set at {GOAL_THREADS} thread)", "—"
            else:
                goal, met = w.goal, "yes" if ratio <= w.goal_ratio else "**no**"
            lines.append(f"| {w.name} | {row['threads']} | {ratio:.3f} vs {reference} | {goal} | "
                         f"{met} | {rss} | {agree} |")
    return lines


def table(rows: list[dict]) -> str:
    return "\n".join([*engine_table(rows), "", *ratio_table(rows)])


def machine() -> str:
    import numpy

    cpu = "unknown"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = [f"Python {platform.python_version()}", f"numpy {numpy.__version__}"]
    for engine, module in (("torch", "torch"), ("micrograd", "micrograd")):
        if available(engine):
            mod = importlib.import_module(module)
            versions.append(f"{engine} {getattr(mod, '__version__', 'installed')}")
    blas = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
            f"{', '.join(versions)}; BLAS environment {blas or 'default'}")


def write_results(rows: list[dict], command: str) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    update_section("speed", (
        "## Speed\n\n"
        "Ratios are backproplab's median time per step over the reference engine's. Each engine\n"
        "runs in its own subprocess; a workload's engines take turns in short bursts (never two\n"
        "at once), starting from the same initial weights and data.\n\n"
        f"- command: `{command}`\n- when: {stamp}\n- machine: {machine()}\n\n"
        f"{table(rows)}\n"
    ))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workloads", nargs="*", default=list(WORKLOADS),
                        help=f"which to run (default all: {', '.join(WORKLOADS)})")
    parser.add_argument("--rounds", type=int, default=20, help="turns per engine")
    parser.add_argument("--seconds", type=float, default=0.25, help="length of one turn")
    parser.add_argument("--threads", type=int, nargs="+", default=[1],
                        help="BLAS/OpenMP thread counts to measure (e.g. 1 2)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--worker", nargs=2, metavar=("WORKLOAD", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        serve(*args.worker, args.threads[0])
        return 0
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    rows = [row for threads in args.threads
            for row in measure(args.workloads, args.rounds, args.seconds, threads)]
    print(table(rows))
    if not args.no_write:
        write_results(rows, "python -m benchmarks.speed " + " ".join(argv or sys.argv[1:]))
        print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
