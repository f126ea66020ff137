"""The command line's grammar: every command, its options and their defaults."""

from __future__ import annotations

import argparse
from typing import NoReturn

from models.cli.compare import add_compare
from models.registry import MODELS, TRAINED_BY_GRADIENTS


class UsageError(Exception):
    """Bad command-line input, reported as one line."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _fractions(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(p) for p in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected TRAIN,VAL,TEST fractions, got {text!r}") from None
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected three fractions TRAIN,VAL,TEST, got {text!r}")
    return parts


def _drop(text: str) -> tuple[int, float]:
    try:
        step, lr = text.split(":")
        return int(step), float(lr)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected STEP:LR, e.g. 100000:0.01, got {text!r}") from None


def build_parser() -> Parser:
    parser = Parser(prog="backproplab", description="Backpropagation you can read, and the four "
                    "classic neural language models trained on it.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    demo = commands.add_parser("demo", help="the lectures' worked examples, then the four models "
                               "trained briefly on the built-in names")
    demo.add_argument("--steps", type=int, default=None, help="training steps per model")
    demo.add_argument("--examples-only", action="store_true", help="skip the language models")
    demo.add_argument("--out", default="demo-output", help="where to write the pictures")

    train = commands.add_parser("train", help="train a language model")
    train.add_argument("--model", required=True, choices=sorted(MODELS))
    train.add_argument("--data", help="a UTF-8 text file (default: the built-in names)")
    train.add_argument("--level", choices=["char", "word"], default="char")
    train.add_argument("--shape", choices=["auto", "lines", "stream"], default="auto",
                       help="one example per line, or running text (auto: lines when no line "
                       "has a space)")
    train.add_argument("--split", type=_fractions, default=(0.8, 0.1, 0.1), metavar="T,V,T",
                       help="train, validation, test fractions (default 0.8,0.1,0.1)")
    train.add_argument("--split-seed", type=int, default=42, help="shuffles lines before splitting")
    train.add_argument("--steps", type=int, default=1000)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--optimizer", choices=["sgd", "adamw"])
    train.add_argument("--lr", type=float)
    train.add_argument("--momentum", type=float, default=0.0)
    train.add_argument("--weight-decay", type=float)
    train.add_argument("--betas", type=float, nargs=2, default=(0.9, 0.99))
    train.add_argument("--schedule", choices=["constant", "step", "cosine"], default="constant")
    train.add_argument("--lr-drop", type=_drop, action="append", default=[], metavar="STEP:LR",
                       help="step schedule: from STEP on use LR (repeatable)")
    train.add_argument("--warmup", type=int, default=0, help="cosine schedule warm-up steps")
    train.add_argument("--min-lr", type=float, default=0.0, help="cosine schedule floor")
    train.add_argument("--grad-clip", type=float, default=0.0, help="max gradient norm (0: off)")
    train.add_argument("--bptt", type=int, default=0, help="rnn: truncated BPTT chunk (0: full)")
    train.add_argument("--eval-every", type=int, default=500)
    train.add_argument("--seed", type=int, default=42, help="batches, dropout and initial weights")
    train.add_argument("--out", required=True, help="checkpoint folder")
    train.add_argument("--resume", action="store_true", help="continue the checkpoint in --out")
    train.add_argument("--keep", type=int, help="complete checkpoints to keep (default 2; the "
                       "newest are kept, so a save never destroys the last good one)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--live", action="store_true",
                       help="serve a page that shows the run as it trains (URL printed)")
    train.add_argument("--port", type=int, default=0, help="--live: the port (default: a free one)")
    train.add_argument("--host", default="127.0.0.1",
                       help="--live: the address to listen on (default 127.0.0.1: this machine)")
    train.add_argument("--read-only", action="store_true",
                       help="--live: a page without controls, for serving a class")
    train.add_argument("--diagnostics-every", type=int, metavar="N",
                       help="record per-layer diagnostics every N steps into metrics.jsonl "
                       "(default: 10 with --live, else off)")
    train.add_argument("--log-grad-norms", metavar="PLOT",
                       help="record each parameter's gradient norm every step; plot them to PLOT")
    size = train.add_argument_group("model size and options (defaults depend on --model)")
    size.add_argument("--block-size", type=int)
    size.add_argument("--n-embd", type=int)
    size.add_argument("--n-hidden", type=int)
    size.add_argument("--n-layer", type=int)
    size.add_argument("--n-head", type=int)
    size.add_argument("--dropout", type=float, default=0.0)
    size.add_argument("--nonlinearity", choices=["tanh", "sigmoid"], default="tanh")
    size.add_argument("--direct", action="store_true", help="mlp: direct input-output connections")
    size.add_argument("--positions", choices=["sinusoidal", "learned"], default="sinusoidal")
    size.add_argument("--tied", action="store_true", help="transformer: tie output to embedding")

    sample = commands.add_parser("sample", help="sample text from a checkpoint")
    sample.add_argument("--checkpoint", required=True)
    sample.add_argument("--n", type=int, default=20)
    sample.add_argument("--prompt", default="")
    sample.add_argument("--temperature", type=float, default=1.0)
    sample.add_argument("--top-k", type=int)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--max-new-tokens", type=int, help="default: 50 per line, 200 of text")

    graph = commands.add_parser("graph", help="render a graph, with values and gradients, to SVG")
    _add_subject(graph)
    graph.add_argument("--out", required=True, help="the .svg file to write")
    graph.add_argument("--collapse", action="store_true", help="one node per module")
    graph.add_argument("--no-data", action="store_true", help="leave out the values' numbers")

    step = commands.add_parser("step", help="step through a backward pass, gate by gate")
    _add_subject(step)
    step.add_argument("--all", action="store_true", help="print every step without waiting")
    step.add_argument("--html", metavar="FILE", help="write a self-contained step-through page")
    step.add_argument("--frames", metavar="DIR", help="write one SVG (or PNG) per step into DIR, "
                      "for slides")
    step.add_argument("--frame-format", choices=["svg", "png"], default="svg")
    step.add_argument("--collapse", type=int, default=1, metavar="DEPTH",
                      help="--html, --frames: modules below DEPTH start collapsed (default 1: the model's "
                      "top-level modules; 0: all open)")

    flow = commands.add_parser("flow", help="plot gradient flow (SVG or PNG)")
    flow.add_argument("--model", required=True, choices=sorted(TRAINED_BY_GRADIENTS))
    flow.add_argument("--out", required=True, help="the .svg or .png file to write")

    live = commands.add_parser("live", help="the playground: a Scalar MLP learning a 2-D toy set, "
                               "its decision boundary redrawn live in the browser")
    live.add_argument("--toy", choices=["moons", "xor", "spiral"], default="moons")
    live.add_argument("--port", type=int, default=0, help="default: a free one")
    live.add_argument("--host", default="127.0.0.1")
    live.add_argument("--read-only", action="store_true",
                      help="a page without controls, for serving a class")
    live.add_argument("--steps", type=int, default=0, help="stop after this many (0: Ctrl-C)")

    add_compare(commands)

    plot = commands.add_parser("plot", help="redraw a run's curves and diagnostics from its "
                               "metrics.jsonl")
    plot.add_argument("--run", required=True, metavar="OUT", help="the run's --out folder")
    plot.add_argument("--out", metavar="FILE", help=".svg or .png (default OUT/metrics.svg)")

    evaluate = commands.add_parser("eval", help="held-out loss and perplexity of a checkpoint")
    evaluate.add_argument("--checkpoint", required=True)
    evaluate.add_argument("--split", choices=["val", "test"], default="val")
    evaluate.add_argument("--json", action="store_true", help="one JSON object on stdout")
    return parser


def _add_subject(parser: argparse.ArgumentParser) -> None:
    from examples import EXAMPLES

    subject = parser.add_mutually_exclusive_group(required=True)
    subject.add_argument("--example", choices=list(EXAMPLES), help="a lecture's worked example")
    subject.add_argument("--model", choices=sorted(TRAINED_BY_GRADIENTS),
                         help="one step of a tiny model")
