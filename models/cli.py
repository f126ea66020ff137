"""The `backproplab` command (also `python -m models`): demo, train, sample, eval.

Bad input — a missing, empty or non-UTF-8 data file, an unknown model, a prompt with symbols
outside the vocabulary, a checkpoint of another model or a corrupt one — gets one line on
stderr and a non-zero exit status, and nothing is overwritten.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from models import checkpoint
from models.base import ModelConfig
from models.data import DataError
from models.registry import DEFAULTS, MODELS

# Per-model training defaults: makemore's SGD for the window models, AdamW for the others.
TRAIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "mlp": {"optimizer": "sgd", "lr": 0.1, "weight_decay": 0.0},
    "cnn": {"optimizer": "sgd", "lr": 0.1, "weight_decay": 0.0},
    "rnn": {"optimizer": "adamw", "lr": 5e-4, "weight_decay": 0.01},
    "transformer": {"optimizer": "adamw", "lr": 5e-4, "weight_decay": 0.01},
}


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
    return parts  # type: ignore[return-value]


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
    train.add_argument("--quiet", action="store_true", help="no progress bar")
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

    flow = commands.add_parser("flow", help="plot gradient flow (SVG or PNG)")
    flow.add_argument("--model", required=True, choices=sorted(MODELS))
    flow.add_argument("--out", required=True, help="the .svg or .png file to write")

    evaluate = commands.add_parser("eval", help="held-out loss and perplexity of a checkpoint")
    evaluate.add_argument("--checkpoint", required=True)
    evaluate.add_argument("--split", choices=["val", "test"], default="val")
    evaluate.add_argument("--json", action="store_true", help="one JSON object on stdout")
    return parser


def _add_subject(parser: argparse.ArgumentParser) -> None:
    from examples import EXAMPLES

    subject = parser.add_mutually_exclusive_group(required=True)
    subject.add_argument("--example", choices=list(EXAMPLES), help="a lecture's worked example")
    subject.add_argument("--model", choices=sorted(MODELS), help="one step of a tiny model")


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as error:
        return _fail(f"usage error: {error} (see backproplab --help)", 2)
    except (DataError, checkpoint.CheckpointError, ValueError, FloatingPointError) as error:
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


# --- commands -----------------------------------------------------------------------------------
def run_demo(args: argparse.Namespace) -> int:
    from models.demo import main as demo

    return demo(steps=args.steps, examples_only=args.examples_only, out=args.out)


def run_train(args: argparse.Namespace) -> int:
    from models.train import DataSettings, Trainer, TrainSettings, make_schedule

    if args.resume:
        if not checkpoint.exists(args.out):
            raise DataError(f"--resume: no checkpoint in {args.out}")
        trainer = Trainer.load(args.out)
        if trainer.config.model != args.model:
            raise checkpoint.CheckpointError(f"--resume: {args.out} holds a {trainer.config.model} "
                                             f"model, not {args.model}")
        trainer.settings.steps = args.steps
        trainer.schedule = make_schedule(trainer.settings)   # a cosine schedule spans the steps
    else:
        if checkpoint.exists(args.out):
            raise DataError(f"{args.out} already holds a checkpoint: add --resume to continue it, "
                            "or choose another --out")
        data = DataSettings(args.data, args.level, args.shape, args.split_seed, args.split)
        corpus = data.load()
        size = {**DEFAULTS[args.model], **_given(args, "block_size", "n_embd", "n_hidden",
                                                  "n_layer", "n_head")}
        config = ModelConfig(
            model=args.model, vocab_size=len(corpus.vocab), **size, dropout=args.dropout,
            nonlinearity=args.nonlinearity, direct=args.direct, positions=args.positions,
            tied=args.tied, seed=args.seed)
        how = {**TRAIN_DEFAULTS[args.model], **_given(args, "optimizer", "lr", "weight_decay")}
        settings = TrainSettings(
            steps=args.steps, batch_size=args.batch_size, **how, momentum=args.momentum,
            betas=tuple(args.betas), schedule=args.schedule, lr_drops=dict(args.lr_drop),
            warmup=args.warmup, min_lr=args.min_lr, grad_clip=args.grad_clip, bptt=args.bptt,
            eval_every=args.eval_every, seed=args.seed)
        trainer = Trainer(config, settings, data, corpus)
    return _train_loop(trainer, args.out, args.quiet, args.log_grad_norms)


def _given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The options among `names` that the user set."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _train_loop(trainer: Any, out: str, quiet: bool, grad_plot: str | None = None) -> int:
    from tqdm import tqdm

    if grad_plot:
        trainer.grad_norms = {}   # the trainer records every parameter's norm each step

    total = trainer.settings.steps
    if trainer.step >= total:
        print(f"{out} is already at step {trainer.step} of {total}; raise --steps to go on")
        return 0
    print(f"{trainer.config.model}: {trainer.model.num_parameters():,} parameters, "
          f"{len(trainer.corpus.vocab)} tokens, {trainer.corpus.shape} data; "
          f"training steps {trainer.step}..{total}")
    bar = tqdm(total=total, initial=trainer.step, disable=True if quiet else None, unit="step",
               dynamic_ncols=True, file=sys.stderr)

    def report(t: Any, loss: float, tokens_per_second: float) -> None:
        bar.set_postfix(loss=f"{loss:.4f}", tok_s=f"{tokens_per_second:,.0f}", refresh=False)
        bar.update(1)

    def validate(t: Any, val: float) -> None:
        from models.train import perplexity_report

        ppl = perplexity_report(val)["perplexity"]
        bar.write(f"step {t.step}: train loss {t.history[-1]:.4f}, val loss {val:.4f}, "
                  f"val perplexity {ppl:.2f}")
        t.save(out)

    try:
        with _ctrl_c_stops_between_steps() as stop_requested:
            trainer.run(total, report, validate, stop=stop_requested)
    except KeyboardInterrupt:   # the second Ctrl-C: maybe mid-step, so this state is not saved
        bar.close()
        kept = (f"keeps its checkpoint of step {checkpoint.load(out)['config']['step']}"
                if checkpoint.exists(out) else "has no checkpoint")
        print(f"\naborted after step {trainer.step}: {out} {kept}", file=sys.stderr)
        return 130
    bar.close()
    trainer.save(out)
    if trainer.step < total:   # stopped by a Ctrl-C
        print(f"interrupted at step {trainer.step}: checkpoint saved in {out} "
              "(continue with --resume)", file=sys.stderr)
        return 130
    print(f"checkpoint saved in {out}")
    if grad_plot:
        from autograd.flow import plot_grad_flow

        path = plot_grad_flow(trainer.grad_norms, grad_plot, "gradient norm per parameter")
        print(f"gradient norms plotted in {path}")
    return 0


@contextmanager
def _ctrl_c_stops_between_steps() -> Iterator[Callable[[], bool]]:
    """The first Ctrl-C asks training to stop after the current step, so the checkpoint holds
    weights, optimiser and random state of one step; a second one interrupts at once."""
    requested: list[bool] = []
    previous = signal.getsignal(signal.SIGINT)

    def first_ctrl_c(number: int, frame: Any) -> None:
        requested.append(True)
        signal.signal(signal.SIGINT, previous)
        print("\nCtrl-C: stopping after this step and saving (Ctrl-C again to abort)",
              file=sys.stderr)

    ours = previous is signal.default_int_handler   # not when started with SIGINT ignored
    if ours:
        signal.signal(signal.SIGINT, first_ctrl_c)
    try:
        yield lambda: bool(requested)
    finally:
        if ours and not requested:
            signal.signal(signal.SIGINT, previous)


def run_sample(args: argparse.Namespace) -> int:
    from models.train import load_model

    model, vocab, _ = load_model(args.checkpoint)
    lines = vocab.boundary is not None
    try:
        prompt = vocab.encode(args.prompt)
    except DataError as error:
        raise DataError(f"--prompt: {error}") from None
    if lines:
        context = [vocab.boundary, *prompt]
    else:
        start = vocab.index.get("\n", 0)
        context = prompt or [start]
    limit = args.max_new_tokens or (50 if lines else 200)
    for i in range(args.n):
        new = model.generate(context, limit, args.temperature, args.top_k, args.seed + i,
                             stop=vocab.boundary)
        print(vocab.decode(context + new))
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from models.train import DataSettings, evaluate, load_model, perplexity_report

    model, vocab, config = load_model(args.checkpoint)
    data = config["data"]
    corpus = DataSettings.from_json(data).load(vocab)
    x, y = corpus.examples(args.split, model.config.block_size, model.window)
    report = perplexity_report(evaluate(model, x, y))
    if args.json:
        print(json.dumps({"split": args.split, "step": config["step"], **report}))
    else:
        unit = "character" if vocab.level == "char" else "word"
        print(f"{args.split}: loss {report['loss']:.4f} nats/token, perplexity "
              f"{report['perplexity']:.3f}, {report['bits_per_token']:.4f} bits per {unit} "
              f"({config['model']['model']}, step {config['step']})")
    return 0


def _subject(args: argparse.Namespace) -> tuple[Any, str]:
    """The graph a command shows: a worked example, or one step of a tiny model."""
    if args.example:
        from examples import load

        return load(args.example).graph(), f"example {args.example}"
    from models.registry import tiny_loss

    return tiny_loss(args.model)[1], f"one step of a tiny {args.model} model"


def run_graph(args: argparse.Namespace) -> int:
    from autograd.draw import draw, save_svg
    from autograd.trace import trace_backward

    output, title = _subject(args)
    trace = trace_backward(output)
    edges = {(id(value), id(step.output)): down for step in trace
             for value, down in zip(step.inputs, step.downstream) if down is not None}
    graph = draw(output, show_data=not args.no_data, grads=trace.grads, contributions=edges,
                 collapse=True if args.collapse else None)
    print(f"{title}: {len(trace)} gates; written to {save_svg(graph, args.out)}")
    return 0


def run_step(args: argparse.Namespace) -> int:
    output, title = _subject(args)
    if args.html:
        from autograd.steppage import save_step_page

        print(f"{title}: step-through page written to {save_step_page(output, args.html, title)}")
        return 0
    from autograd.trace import number, trace_backward

    trace = trace_backward(output)
    values = {v.name: v for v in trace.values.values() if v.name}
    print(f"{title}: {len(trace)} gates. Enter/n: next, c: continue, p NAME: print, q: quit")
    waiting = not args.all
    for step in trace:
        print(step.describe())
        while waiting:
            try:
                command = input("(step) ").strip()
            except EOFError:
                command = "c"
            if command in ("", "n"):
                break
            if command == "c":
                waiting = False
            elif command == "q":
                return 0
            elif command.startswith("p "):
                name = command[2:].strip()
                value = values.get(name)
                if value is None:
                    print(f"no value named {name!r}; named: {', '.join(sorted(values))}")
                else:
                    grad = trace.grad(value)
                    print(f"{name} = {number(value.data)}, ∂L/∂{name} so far = {number(grad)}")
            else:
                print("Enter/n: next, c: continue, p NAME: print a value, q: quit")
    return 0


def run_flow(args: argparse.Namespace) -> int:
    if args.model == "rnn":
        from models.rnn_flow import demo_flows, plot_flows

        path = plot_flows(demo_flows(), args.out)
    else:
        from autograd.flow import format_table, grad_flow, plot_grad_flow
        from models.registry import tiny_loss

        model, loss = tiny_loss(args.model, batch_size=32)
        loss.backward()
        rows = grad_flow(model)
        print(format_table(rows))
        path = plot_grad_flow(rows, args.out, f"gradient norm per parameter, tiny {args.model}")
    print(f"written to {path}")
    return 0


COMMANDS = {"demo": run_demo, "train": run_train, "sample": run_sample, "eval": run_eval,
            "graph": run_graph, "step": run_step, "flow": run_flow}


if __name__ == "__main__":
    sys.exit(main())
