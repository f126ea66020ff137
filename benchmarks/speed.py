"""Time backproplab against PyTorch and micrograd, side by side: `python -m benchmarks.speed`.

Each (workload, engine) pair runs in its own subprocess with one BLAS/OpenMP thread, rounds
alternate between engines so that drift in the machine's speed hits all of them alike, and the
first losses of all engines must agree to 4 decimals (they start from the same weights and data).
Prints median and spread per engine, the ratio to the reference, and peak RSS; writes the table,
the machine and the command to benchmarks/RESULTS.md.
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
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.results import RESULTS, update_section
from benchmarks.workloads import WORKLOADS

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
ENGINE_MODULES = {"backproplab": "autograd", "torch": "torch", "micrograd": "micrograd"}


def worker(workload: str, engine: str, seconds: float, threads: int) -> dict:
    """Runs in the subprocess: warm up, then time steps for about `seconds`."""
    if engine == "torch":
        import torch

        torch.set_num_threads(threads)
    step, first_loss = WORKLOADS[workload].engines[engine]()
    step()
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(times) < 3 or time.perf_counter() < deadline:
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"first_loss": first_loss, "times": times, "peak_rss_mib": peak_kib / 1024}


def run_worker(workload: str, engine: str, seconds: float, threads: int) -> dict:
    env = dict(os.environ, **{name: str(threads) for name in THREAD_VARIABLES})
    command = [sys.executable, "-m", "benchmarks.speed", "--worker", workload, engine,
               "--seconds", str(seconds), "--threads", str(threads)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{workload}/{engine} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def available(engine: str) -> bool:
    return importlib.util.find_spec(ENGINE_MODULES[engine]) is not None


def measure(names: list[str], rounds: int, seconds: float, threads: int) -> list[dict]:
    rows = []
    for name in names:
        workload = WORKLOADS[name]
        engines = [e for e in workload.engines if available(e)]
        samples: dict[str, list[float]] = {e: [] for e in engines}
        first: dict[str, float] = {}
        peak: dict[str, float] = {}
        for _ in range(rounds):
            for engine in engines:
                result = run_worker(name, engine, seconds, threads)
                samples[engine] += result["times"]
                first[engine] = result["first_loss"]
                peak[engine] = max(peak.get(engine, 0.0), result["peak_rss_mib"])
        losses_agree = len({round(v, 4) for v in first.values()}) == 1
        reference = workload.reference
        ours = statistics.median(samples["backproplab"])
        ratio = ours / statistics.median(samples[reference]) if reference in samples else None
        rows.append({
            "workload": workload, "engines": engines, "samples": samples, "first": first,
            "peak": peak, "losses_agree": losses_agree, "ratio": ratio, "threads": threads,
            "ours": ours,
        })
    return rows


def spread(times: list[float]) -> str:
    """Interquartile range, in ms."""
    quartiles = statistics.quantiles(times, n=4) if len(times) > 1 else [times[0]] * 3
    return f"{quartiles[0] * 1e3:.3g}–{quartiles[2] * 1e3:.3g}"


def table(rows: list[dict]) -> str:
    lines = [
        "| workload | threads | engine | median ms/step | IQR ms | µs/op | peak RSS MiB | first loss |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        w = row["workload"]
        for engine in row["engines"]:
            times = row["samples"][engine]
            median = statistics.median(times)
            per_op = f"{median * 1e6 / w.ops_per_step:.2f}" if w.ops_per_step else ""
            lines.append(f"| {w.name} | {row['threads']} | {engine} | {median * 1e3:.3f} | "
                         f"{spread(times)} | {per_op} | {row['peak'][engine]:.0f} | "
                         f"{row['first'][engine]:.6f} |")
    lines += ["",
              "| workload | threads | ratio (backproplab / reference) | goal | met | first losses agree |",
              "|---|---|---|---|---|---|"]
    for row in rows:
        w = row["workload"]
        if row["ratio"] is None:
            lines.append(f"| {w.name} | {row['threads']} | {w.reference} not importable | "
                         f"{w.goal} | not measured | — |")
            continue
        met = "yes" if row["ratio"] <= w.goal_ratio else "**no**"
        agree = "yes" if row["losses_agree"] else "**no**"
        lines.append(f"| {w.name} | {row['threads']} | {row['ratio']:.3f} vs {w.reference} | "
                     f"{w.goal} | {met} | {agree} |")
    return "\n".join(lines)


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
        "Ratios are backproplab's median time per step over the reference engine's, measured side\n"
        "by side (subprocesses, alternating rounds, same initial weights and data).\n\n"
        f"- command: `{command}`\n- when: {stamp}\n- machine: {machine()}\n\n"
        f"{table(rows)}\n"
    ))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workloads", nargs="*", default=list(WORKLOADS),
                        help=f"which to run (default all: {', '.join(WORKLOADS)})")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="timed seconds per round")
    parser.add_argument("--threads", type=int, nargs="+", default=[1],
                        help="BLAS/OpenMP thread counts to measure (e.g. 1 2)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--worker", nargs=2, metavar=("WORKLOAD", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker, args.seconds, args.threads[0])))
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
