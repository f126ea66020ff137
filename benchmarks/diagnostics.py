"""What watching costs: a training step with and without the live view's diagnostics.

`python -m benchmarks.diagnostics` times each of the four models (their default sizes, the
built-in names) three ways, in turns of a few steps each so that the host's drift falls on all
alike:
- plain: `backproplab train` as it runs without `--live` (the step the speed table measures);
- diagnostics every 10 steps (`--diagnostics-every 10`): the graph walk, histograms, hooks,
  weight copies and projections of one step in ten;
- live: the same, plus every event encoded and published to a live session with its server
  running, and the model graph drawn every 5 s (`--live`, no browser connected).
The goal: at most 10 % over plain, per step, averaged over the ten-step cycle. Each way runs
for at least 6 s, so the live way also draws the model graph (once in 5 s, as `--live` does). Writes its
section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone
from typing import Any

import numpy as np

from benchmarks.results import update_section
from models.base import ModelConfig
from models.diagnostics import Diagnostics
from models.registry import DEFAULTS
from models.train import DataSettings, Trainer, TrainSettings

HOW = {"mlp": ("sgd", 0.1), "cnn": ("sgd", 0.1), "rnn": ("adamw", 3e-3),
       "transformer": ("adamw", 5e-4)}
GOAL = 0.10


def _trainer(model: str, corpus: Any, data: DataSettings) -> Trainer:
    optimizer, lr = HOW[model]
    config = ModelConfig(model=model, vocab_size=len(corpus.vocab), **DEFAULTS[model])
    return Trainer(config, TrainSettings(steps=10**9, eval_every=10**9, optimizer=optimizer,
                                         lr=lr), data, corpus)


class _Way:
    def __init__(self, name: str, trainer: Trainer, every: int, live: bool) -> None:
        self.name, self.trainer = name, trainer
        # as --live: the model graph at most every 5 s
        diagnostics = Diagnostics(every, graph_seconds=5.0 if live else 0.0)
        trainer.observers.append(diagnostics)
        self.events = None
        if live:
            from models.live.training import LiveTraining

            self.events = LiveTraining(trainer, "127.0.0.1", 0, diagnostics=diagnostics).start()
        self.times: list[float] = []

    def cycle(self) -> None:
        """Ten steps (one with diagnostics, when recorded): the time per step over the cycle."""
        start = time.perf_counter()
        for _ in range(10):
            loss = self.trainer.train_step()
            if self.events is not None:
                self.events.after_step(self.trainer, loss, 0.0)
        self.times.append((time.perf_counter() - start) / 10)

    def close(self) -> None:
        if self.events is not None:
            self.events.close()


def measure(model: str, rounds: int, seconds: float = 6.0) -> dict[str, Any]:
    """At least `rounds` cycles per way, and at least `seconds` of each (so that a small
    model's medians rest on many cycles, and the live way draws the graph as often as
    `--live` would: once in 5 s)."""
    data = DataSettings()
    corpus = data.load()
    ways = [_Way("plain", _trainer(model, corpus, data), 0, False),
            _Way("diagnostics", _trainer(model, corpus, data), 10, False),
            _Way("live", _trainer(model, corpus, data), 10, True)]
    try:
        for way in ways:
            way.cycle()   # warm-up
            way.times.clear()
        while len(ways[0].times) < rounds or min(sum(w.times) * 10 for w in ways) < seconds:
            for way in ways:
                way.cycle()
    finally:
        for way in ways:
            way.close()
    medians = {way.name: float(np.median(way.times)) for way in ways}
    return {"model": model, **medians,
            "diagnostics_cost": medians["diagnostics"] / medians["plain"] - 1,
            "live_cost": medians["live"] / medians["plain"] - 1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.diagnostics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", default=list(HOW))
    parser.add_argument("--rounds", type=int, default=15, help="ten-step cycles per way")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    rows = [measure(model, args.rounds) for model in args.models]
    lines = ["| model | plain ms/step | diagnostics every 10 | live (+ events, server) | "
             "cost | live cost | goal ≤ 10 % |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        met = "yes" if max(r["diagnostics_cost"], r["live_cost"]) <= GOAL else "**no**"
        lines.append(f"| {r['model']} | {1e3 * r['plain']:.2f} | {1e3 * r['diagnostics']:.2f} | "
                     f"{1e3 * r['live']:.2f} | {100 * r['diagnostics_cost']:+.1f} % | "
                     f"{100 * r['live_cost']:+.1f} % | {met} |")
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        command = "python -m benchmarks.diagnostics" + (f" --rounds {args.rounds}"
                                                        if args.rounds != 15 else "")
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        update_section("diagnostics", (
            "## Diagnostics cost (the live view)\n\n"
            "Median time per training step over ten-step cycles (one step in ten records the\n"
            "diagnostics), the three ways taking turns; default model sizes, built-in names.\n\n"
            f"- command: `{command}`\n- when: {stamp}\n\n{table}\n"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
