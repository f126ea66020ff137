"""The `backproplab` command (also `python -m models`): demo, train, sample, eval, plot, and
the teaching tools (graph, step, flow, live).

Bad input — a missing, empty or non-UTF-8 data file, an unknown model, a prompt with symbols
outside the vocabulary, a checkpoint of another model or a corrupt one — gets one line on
stderr and a non-zero exit status, and nothing is overwritten.
"""

from __future__ import annotations

import argparse
import sys

from autograd.plumbing import allocator
from models import checkpoint
from models.cli.compare import run_compare
from models.cli.exercises import run_exercises
from models.cli.inspection import run_flow, run_graph, run_step
from models.cli.parser import UsageError, build_parser
from models.cli.training import run_train
from models.cli.use import run_eval, run_sample
from models.data import DataError
from models.live.server import ServerError


def main(argv: list[str] | None = None) -> int:
    allocator.tune_once()   # training reuses large arrays; see autograd/plumbing/allocator.py
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as error:
        return _fail(f"usage error: {error} (see backproplab --help)", 2)
    except (DataError, checkpoint.CheckpointError, ValueError, FloatingPointError,
            ServerError) as error:
        return _fail(str(error), 1)
    except graphviz_missing() as error:
        return _fail(f"{error} (install Graphviz: apt-get install graphviz)", 1)
    except OSError as error:
        return _fail(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "), 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def graphviz_missing() -> type[Exception]:
    from graphviz import ExecutableNotFound

    return ExecutableNotFound


def _fail(message: str, status: int) -> int:
    print(f"backproplab: {message}", file=sys.stderr)
    return status


def run_plot(args: argparse.Namespace) -> int:
    from models.run_plot import plot_run_folder

    print(f"plot written to {plot_run_folder(args.run, args.out)}")
    return 0


def run_live(args: argparse.Namespace) -> int:
    from models.cli.parser import from_args
    from models.live.playground_server import run_playground
    from models.settings import ServerSettings

    server = from_args(ServerSettings, args)
    return run_playground(args.toy, server.host, server.port, args.steps,
                          read_only=server.read_only)


def run_demo(args: argparse.Namespace) -> int:
    from models.demo import main as demo

    return demo(steps=args.steps, examples_only=args.examples_only, out=args.out)


COMMANDS = {"demo": run_demo, "train": run_train, "sample": run_sample, "eval": run_eval,
            "graph": run_graph, "step": run_step, "flow": run_flow, "plot": run_plot,
            "live": run_live, "compare": run_compare, "exercises": run_exercises}
