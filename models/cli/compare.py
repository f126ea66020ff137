"""`backproplab compare`: train each language model on one split and put them side by side."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.compare import DEFAULT_MODELS, check_names, plot, table, train_one, training
from models.settings import LEVELS
from models.train import DataSettings, Trainer


def add_compare(commands: argparse._SubParsersAction) -> None:
    compare = commands.add_parser(
        "compare", help="train the language models on one split and compare their perplexity")
    compare.add_argument("--data", help="a UTF-8 text file (default: the built-in names)")
    compare.add_argument("--level", choices=LEVELS, default="char")
    compare.add_argument("--models", nargs="+", default=DEFAULT_MODELS, metavar="MODEL",
                         help=f"default: {' '.join(DEFAULT_MODELS)}")
    compare.add_argument("--steps", type=int, default=5000, help="training steps per model")
    compare.add_argument("--eval-every", type=int, default=500)
    compare.add_argument("--seed", type=int, default=0)
    compare.add_argument("--out", default="compare-output", help="where the table and figure go")
    compare.add_argument("--quiet", action="store_true", help="no progress bars")


def _advance(bar: Any) -> Callable[[Trainer], None]:
    """A progress callback that moves `bar` to the trainer's step."""
    return lambda trainer: bar.update(trainer.step - bar.n)


def run_compare(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from autograd.plumbing.atomic import write_atomically

    check_names(args.models)
    if not 1 <= args.steps <= 10_000_000 or not 1 <= args.eval_every:
        raise ValueError(f"compare: --steps {args.steps} and --eval-every {args.eval_every} "
                         "must be whole numbers ≥ 1")
    data = DataSettings(args.data, args.level)
    corpus = data.load()
    rows = []
    for name in args.models:
        with tqdm(total=args.steps, desc=f"{name:>12}", unit="step", file=sys.stderr,
                  disable=True if args.quiet else None, dynamic_ncols=True) as bar:
            rows.append(train_one(name, data, corpus, training(name), args.steps,
                                  args.eval_every, args.seed, progress=_advance(bar)))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = table(rows)
    write_atomically(out / "compare.md", text)
    plot(rows, out / "compare.svg")
    print(text + f"\nwritten to {out / 'compare.md'} and {out / 'compare.svg'}")
    return 0
