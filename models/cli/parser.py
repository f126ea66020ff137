"""The command line's grammar: every command, its options and their defaults."""

from __future__ import annotations

import argparse
from dataclasses import Field
from typing import Any, NoReturn

from models.cli.compare import add_compare
from models.registry import TRAINED_BY_GRADIENTS
from models.settings import (
    COUNT,
    NATURAL,
    Choice,
    DataSettings,
    Drops,
    Flag,
    ModelConfig,
    Number,
    Numbers,
    ServerSettings,
    TrainSettings,
    declared,
    default_of,
    dest_of,
    flag_of,
    rule_of,
)


class UsageError(Exception):
    """Bad command-line input, reported as one line."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def add_settings(parser: argparse._ActionsContainer, cls: type, only: tuple[str, ...] = (),
                 skip: tuple[str, ...] = (), required: bool = False) -> None:
    """One option per setting of the dataclass `cls` that has a flag (models/settings.py), its
    type, range and help from the declaration. Every default is None, so that the options given
    can be told from those left out: the declared default is filled in later (`from_args`)."""
    for item in declared(cls):
        flag = flag_of(item)
        if flag is None or item.name in skip or (only and item.name not in only):
            continue
        rule = rule_of(item)
        options: dict[str, Any] = {"help": item.metadata["help"] if required else _help(item),
                                   "default": None}
        if isinstance(rule, Flag):
            options["action"] = "store_true"
        elif isinstance(rule, Choice):
            options["choices"] = rule.choices
        elif isinstance(rule, Numbers) and not rule.commas:
            options.update(nargs=rule.count, type=rule.item.parse)
        elif isinstance(rule, Drops):
            options.update(action="append", type=rule.parse)
        else:
            options["type"] = rule.parse
        if item.metadata["metavar"]:
            options["metavar"] = item.metadata["metavar"]
        parser.add_argument(flag, required=required, **options)


def _help(item: Field[Any]) -> str:
    """The declared help, the range of a number, and the default (none shown for an option
    whose absence is its default: a flag, no --data, no --lr-drop)."""
    rule, text = rule_of(item), item.metadata["help"]
    if isinstance(rule, Number):
        text += f"; {rule.describe()}"
    value = rule.to_json(default_of(item))
    if item.metadata["per_model"]:
        return text + " (default: depends on --model)"
    if value is None or value is False or value == {}:
        return text
    shown = ",".join(f"{v:g}" for v in value) if isinstance(value, list) else str(value)
    return text + f" (default: {shown})"


def from_args(cls: type, args: argparse.Namespace, defaults: dict[str, Any] | None = None) -> Any:
    """The dataclass `cls` from the options given; those left out take `defaults` (a model's
    own) or the declared default. Settings without an option must be in `defaults`."""
    values = {}
    for item in declared(cls):
        given = getattr(args, dest_of(item), None) if flag_of(item) else None
        if isinstance(rule_of(item), Drops) and given is not None:
            given = dict(given)
        elif isinstance(rule_of(item), Numbers) and given is not None:
            given = tuple(given)
        if given is not None:
            values[item.name] = given
        elif defaults is not None and item.name in defaults:
            values[item.name] = defaults[item.name]
        else:
            values[item.name] = default_of(item)
    return cls(**values)


def build_parser() -> Parser:
    parser = Parser(prog="backproplab", description="Backpropagation you can read, and the four "
                    "classic neural language models trained on it.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    demo = commands.add_parser("demo", help="the lectures' worked examples, then the four models "
                               "trained briefly on the built-in names")
    demo.add_argument("--steps", type=COUNT.parse, default=None, help="training steps per model")
    demo.add_argument("--examples-only", action="store_true", help="skip the language models")
    demo.add_argument("--out", default="demo-output", help="where to write the pictures")

    train = commands.add_parser("train", help="train a language model")
    add_settings(train, ModelConfig, only=("model",), required=True)
    add_settings(train, DataSettings)
    add_settings(train, TrainSettings)
    train.add_argument("--out", required=True, help="checkpoint folder")
    train.add_argument("--resume", action="store_true", help="continue the checkpoint in --out")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--threads", type=Number(int, 1, 1024).parse, metavar="N",
                       help="threads for numpy's matrix products (default: numpy's, one per "
                       "core); 1 leaves a 2-core laptop serving --live a core for the page")
    train.add_argument("--diagnostics-every", type=COUNT.parse, metavar="N",
                       help="record per-layer diagnostics every N steps into metrics.jsonl "
                       "(default: 10 with --live, else off)")
    train.add_argument("--log-grad-norms", metavar="PLOT",
                       help="record each parameter's gradient norm every step; plot them to PLOT")
    live = train.add_argument_group("the live view")
    live.add_argument("--live", action="store_true",
                      help="serve a page that shows the run as it trains (URL printed)")
    add_settings(live, ServerSettings)
    size = train.add_argument_group("model size and options (defaults depend on --model)")
    add_settings(size, ModelConfig, skip=("model",))
    size.add_argument("--order", type=Number(int, 1, 9).parse, metavar="N",
                      help="ngram: the order N (a context of N − 1 tokens: --block-size N−1); "
                      "--add-k alone means add-k smoothing")

    sample = commands.add_parser("sample", help="sample text from a checkpoint")
    sample.add_argument("--checkpoint", required=True)
    sample.add_argument("--n", type=NATURAL.parse, default=20)
    sample.add_argument("--prompt", default="")
    sample.add_argument("--temperature", type=Number(float, 0).parse, default=1.0)
    sample.add_argument("--top-k", type=COUNT.parse)
    sample.add_argument("--seed", type=NATURAL.parse, default=0)
    sample.add_argument("--max-new-tokens", type=COUNT.parse,
                        help="default: 50 per line, 200 of text")

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
    step.add_argument("--collapse", type=NATURAL.parse, default=1, metavar="DEPTH",
                      help="--html, --frames: modules below DEPTH start collapsed (default 1: the model's "
                      "top-level modules; 0: all open)")

    flow = commands.add_parser("flow", help="plot gradient flow (SVG or PNG)")
    flow.add_argument("--model", required=True, choices=sorted(TRAINED_BY_GRADIENTS))
    flow.add_argument("--out", required=True, help="the .svg or .png file to write")

    playground = commands.add_parser("live", help="the playground: a Scalar MLP learning a 2-D toy "
                                     "set, its decision boundary redrawn live in the browser")
    playground.add_argument("--toy", choices=["moons", "xor", "spiral"], default="moons")
    add_settings(playground, ServerSettings)
    playground.add_argument("--steps", type=NATURAL.parse, default=0,
                            help="stop after this many (0: Ctrl-C)")

    add_compare(commands)

    plot = commands.add_parser("plot", help="redraw a run's curves and diagnostics from its "
                               "metrics.jsonl")
    plot.add_argument("--run", required=True, metavar="OUT", help="the run's --out folder")
    plot.add_argument("--out", metavar="FILE", help=".svg or .png (default OUT/metrics.svg)")

    evaluate = commands.add_parser("eval", help="held-out loss and perplexity of a checkpoint")
    evaluate.add_argument("--checkpoint", required=True)
    evaluate.add_argument("--split", choices=["train", "val", "test"], default="val",
                          help="the split to measure (train: e.g. a count model on all the text)")
    evaluate.add_argument("--json", action="store_true", help="one JSON object on stdout")
    _add_exercises(commands)
    return parser


def _add_subject(parser: argparse.ArgumentParser) -> None:
    from autograd.examples import EXAMPLES

    subject = parser.add_mutually_exclusive_group(required=True)
    subject.add_argument("--example", choices=list(EXAMPLES), help="a lecture's worked example")
    subject.add_argument("--model", choices=sorted(TRAINED_BY_GRADIENTS),
                         help="one step of a tiny model")


def _add_exercises(commands: argparse._SubParsersAction) -> None:
    from autograd.exercises import EXAMPLES, TIME_LIMIT

    exercises = commands.add_parser("exercises", help="exercises for students: write the gates, "
                                    "and the checker shows where a gradient goes wrong")
    actions = exercises.add_subparsers(dest="action", required=True, parser_class=Parser)
    actions.add_parser("list", help="the exercises, their lecture blocks and points")
    for name, text in (("start", "write the skeletons and a README for students into DIR"),
                       ("solve", "write the reference solutions into DIR (for the lecturer)")):
        actions.add_parser(name, help=text).add_argument("dir", metavar="DIR")
    check = actions.add_parser("check", help="grade the files in DIR: a table, exit status 1 if "
                               "anything fails")
    check.add_argument("dir", metavar="DIR")
    check.add_argument("names", nargs="*", metavar="NAME", help="only these exercises")
    check.add_argument("--json", metavar="FILE", help="Gradescope's results.json format")
    check.add_argument("--html", metavar="DIR", help="feedback pages for wrong composed exercises")
    check.add_argument("--examples", type=int, default=EXAMPLES, metavar="N",
                       help=f"hypothesis examples per gate (default {EXAMPLES}; fewer is quicker)")
    check.add_argument("--time-limit", type=float, default=TIME_LIMIT, metavar="SECONDS",
                       help=f"per item: an endless loop fails the item (default {TIME_LIMIT:g})")
