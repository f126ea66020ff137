"""What a class costs a live run: 200 pages watching one `backproplab train --live`.

`python -m benchmarks.live_load [--model mlp] [--streams 200] [--seconds 30]` starts a real
`train --live` (127.0.0.1, its own token), then, from this process (as browsers would be, a
process apart from the trainer; the server is a process of its own, see models/live/server.py):
1. quiet: one event stream watches the step count for `--seconds` / 2;
2. load: `--streams` event streams connect at once and stay, while 4 clients load the page
   over and over, for `--seconds`;
3. quiet again, as 1.
Every stream must receive events (not only the server's first comment), and the step rate under
load must keep at least 90 % of the quiet phases' mean. Loopback only, bounded in count and
time; it stops the trainer and every client by itself. Writes its section of
benchmarks/RESULTS.md (unless --no-write).

Two choices, both printed in every row:
- `--threads` (default 1, as `benchmarks.speed`'s goals): the trainer's BLAS threads. At the
  default sizes a second thread gains nothing (`train --model transformer --steps 400`: 7.11 s
  with one, 7.09 s with two at 192 % CPU), but it spins on the core the server needs.
- `--clients idle` (the default): the 204 clients run at idle priority (SCHED_IDLE), standing in
  for the class's browsers, which run on the students' machines: they use only the CPU that the
  trainer and the server leave, so the ratio is what serving costs the trainer. `normal` runs
  them at the trainer's priority: what 200 simulated browsers on the trainer's own 2 cores cost.
  The stream that measures the step rate always runs at normal priority.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.results import update_section
from benchmarks.speed import THREAD_VARIABLES

GOAL = 0.90
ROOT = Path(__file__).resolve().parent.parent


class Stream(threading.Thread):
    """One page's event stream: counts the bytes and events it gets and the latest step seen."""

    def __init__(self, port: int, token: str, until: threading.Event, idle: bool = False) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.until, self.idle = port, token, until, idle
        self.events, self.bytes, self.step, self.error = 0, 0, 0, ""
        self.steps_at: list[tuple[float, int]] = []

    def run(self) -> None:
        if self.idle:
            at_idle_priority()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
                connection.sendall(f"GET /events?token={self.token} HTTP/1.1\r\n"
                                   f"Host: 127.0.0.1:{self.port}\r\n\r\n".encode())
                self._read(connection)
        except OSError as error:
            self.error = str(error) or type(error).__name__

    def _read(self, connection: socket.socket) -> None:
        buffer = b""
        while not self.until.is_set():
            chunk = connection.recv(1 << 16)
            if not chunk:
                return
            self.bytes += len(chunk)
            buffer += chunk
            *whole, buffer = buffer.split(b"\n\n")
            for message in whole:
                if message.startswith(b"data: "):
                    self.events += 1
                    self._note_step(message[6:])

    def _note_step(self, data: bytes) -> None:
        if not data.startswith(b'{"kind":"steps"'):
            return
        steps = re.findall(rb'"step":\s*(\d+)', data)
        if steps:
            self.step = int(steps[-1])
            self.steps_at.append((time.monotonic(), self.step))


def at_idle_priority() -> None:
    """This thread (only) runs when nothing else wants the CPU."""
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def rate_between(stream: Stream, start: float, end: float) -> float:
    """Steps per second that `stream` saw between two moments."""
    inside = [(t, s) for t, s in stream.steps_at if start <= t <= end]
    if len(inside) < 2:
        return 0.0
    (t0, s0), (t1, s1) = inside[0], inside[-1]
    return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0


def load_pages(port: int, token: str, until: threading.Event, counts: list[int],
               idle: bool) -> None:
    """Load the page over and over until told to stop; count the loads that succeeded."""
    if idle:
        at_idle_priority()
    request = (f"GET /?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Connection: close\r\n\r\n").encode()
    while not until.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
                connection.sendall(request)
                reply = b""
                while chunk := connection.recv(1 << 16):
                    reply += chunk
            counts.append(int(reply.startswith(b"HTTP/1.1 200")))
        except OSError:
            counts.append(0)


def start_trainer(model: str, out: Path, threads: int) -> tuple[subprocess.Popen, int, str]:
    command = [sys.executable, "-m", "models", "train", "--model", model, "--steps", "10000000",
               "--eval-every", "100000000", "--out", str(out), "--quiet", "--live"]
    env = dict(os.environ, **{name: str(threads) for name in THREAD_VARIABLES})
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"live view: http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)",
                          process.stdout.readline())
        if found:
            return process, int(found.group(1)), found.group(2)
        if process.poll() is not None:
            break
    process.kill()
    raise SystemExit(f"live_load: the trainer printed no URL: "
                     f"{process.stderr.read() if process.stderr else ''}")


def measure(model: str, streams: int, seconds: float, threads: int, idle: bool
            ) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        process, port, token = start_trainer(model, Path(folder) / "run", threads)
        try:
            return _phases(port, token, streams, seconds, idle)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def _phases(port: int, token: str, streams: int, seconds: float, idle: bool
            ) -> dict[str, float]:
    stop_all, stop_load = threading.Event(), threading.Event()
    watcher = Stream(port, token, stop_all)
    watcher.start()
    time.sleep(3)   # the run warms up
    marks = [time.monotonic()]
    time.sleep(seconds / 2)
    marks.append(time.monotonic())
    crowd = [Stream(port, token, stop_load, idle) for _ in range(streams)]
    page_loads: list[int] = []
    loaders = [threading.Thread(target=load_pages, args=(port, token, stop_load, page_loads, idle),
                                daemon=True) for _ in range(4)]
    for client in crowd + loaders:
        client.start()
    time.sleep(seconds)
    marks.append(time.monotonic())
    stop_load.set()
    time.sleep(seconds / 2)
    marks.append(time.monotonic())
    stop_all.set()
    quiet = (rate_between(watcher, marks[0], marks[1]) + rate_between(watcher, marks[2], marks[3])) / 2
    loaded = rate_between(watcher, marks[1] + 2, marks[2])   # after the crowd has connected
    return {"quiet": quiet, "loaded": loaded, "ratio": loaded / quiet if quiet else 0.0,
            "streams": streams, "fed": sum(c.events > 0 for c in crowd),
            "failed": sum(bool(c.error) and c.events == 0 for c in crowd),
            "loads": len(page_loads), "loads_ok": sum(page_loads)}


def report(model: str, seconds: float, threads: int, clients: str,
           result: dict[str, float]) -> str:
    met = result["ratio"] >= GOAL and result["fed"] == result["streams"]
    return (f"| {model} | {threads} | {clients} | {result['streams']:.0f} | {seconds:.0f} s "
            f"| {result['fed']:.0f} "
            f"| {result['loads_ok']:.0f}/{result['loads']:.0f} | {result['quiet']:.0f} "
            f"| {result['loaded']:.0f} | {result['ratio']:.1%} | {'met' if met else 'NOT met'} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.live_load")
    parser.add_argument("--model", nargs="+", default=["mlp", "transformer"],
                        choices=["mlp", "cnn", "rnn", "transformer"])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=1, help="the trainer's BLAS threads")
    parser.add_argument("--clients", nargs="+", default=["idle"], choices=["idle", "normal"],
                        help="the clients' priority (several: a row for each)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if not (1 <= args.streams <= 500 and 4 <= args.seconds <= 300 and 1 <= args.threads <= 64):
        parser.error("--streams 1..500, --seconds 4..300 and --threads 1..64 keep it bounded")
    rows = []
    for clients in args.clients:
        for model in args.model:
            result = measure(model, args.streams, args.seconds, args.threads, clients == "idle")
            rows.append(report(model, args.seconds, args.threads, clients, result))
            print(rows[-1], json.dumps(result), flush=True)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = (f"## Live server under a class's load\n\n`python -m benchmarks.live_load` ({when}): "
            f"a real `train --live`, {args.streams} event streams at once plus 4 clients loading "
            "the page in a loop, on loopback; steps/s read from one more stream. Goal: every "
            f"stream fed, and the loaded step rate ≥ {GOAL:.0%} of the quiet one. Trainer "
            "threads and the clients' priority: see the module's docstring.\n\n"
            "| model | trainer threads | clients at | streams | load for | streams fed "
            "| page loads ok | quiet steps/s | loaded steps/s | kept | goal |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|\n"
            + "\n".join(rows))
    if not args.no_write:
        update_section("live-load", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
