"""The demo: the lectures' worked examples with their gradients, then the four language models
trained briefly on the built-in names, compared on held-out loss and perplexity, and sampled."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from autograd import Function, Scalar, Tensor
from autograd.core.value import Value


class Multiply(Function):
    """z = x·y;  ∂z/∂x = y, ∂z/∂y = x — the lecture's gate, written as a user would."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad_z):
        x, y = ctx.saved_tensors
        return y * grad_z, x * grad_z

    @staticmethod
    def recorded_backward(ctx, grad_z, z):
        # the same rule on the values themselves, so that it can be differentiated again
        x, y = ctx.inputs
        return y * grad_z, x * grad_z


def _number(value: Value) -> float:
    return float(np.asarray(value.data))


def _grad(value: Value) -> float:
    return float(np.asarray(value.grad))


def main(steps: int | None = None, examples_only: bool = False, out: str = "demo-output") -> int:
    print_examples()
    if not examples_only:
        print()
        compare_models(steps or 600)
        print()
        write_pictures(out)
    return 0


def write_pictures(folder: str) -> None:
    """The neuron's graph, step-through pages (neuron; one step of a tiny Transformer) and the
    RNN gradient-flow plot, into `folder`."""
    from autograd.examples import load
    from autograd.tools.draw import save_svg
    from autograd.tools.explorer import save_step_page
    from models.registry import tiny_loss
    from models.rnn_flow import demo_flows, plot_flows

    neuron = load("neuron").graph()
    neuron.backward(retain_graph=True)
    written = [
        save_svg(neuron, f"{folder}/neuron.svg"),
        save_step_page(load("neuron").graph(), f"{folder}/neuron-step.html", "the neuron σ(w·x)"),
        save_step_page(tiny_loss("transformer")[1], f"{folder}/transformer-step.html",
                       "one training step of a tiny Transformer"),
    ]
    plot_flows(demo_flows(), f"{folder}/rnn-gradient-flow.svg")
    written.append(Path(f"{folder}/rnn-gradient-flow.svg"))
    print("Pictures to open (a browser shows all of them):")
    for path in written:
        print(f"  {path}")


# Brief runs: SGD as makemore for the window models, AdamW for the sequence models.
DEMO_TRAINING: dict[str, dict[str, Any]] = {
    "mlp": {"optimizer": "sgd", "lr": 0.1},
    "cnn": {"optimizer": "sgd", "lr": 0.1},
    "rnn": {"optimizer": "adamw", "lr": 3e-3},
    "transformer": {"optimizer": "adamw", "lr": 1e-3},
}


def compare_models(steps: int) -> None:
    """Train each model for `steps` steps on the built-in names; print their validation loss and
    perplexity side by side, and a few samples of each."""
    from models.base import ModelConfig
    from models.registry import DEFAULTS
    from models.train import DataSettings, Trainer, TrainSettings, perplexity_report

    data = DataSettings()
    corpus = data.load()
    print(f"The four language models, {steps} training steps each on the built-in names "
          f"({sum(len(v) for v in corpus.splits.values())} US-census first names, split 80/10/10):")
    rows = []
    for name, how in DEMO_TRAINING.items():
        config = ModelConfig(model=name, vocab_size=len(corpus.vocab), **DEFAULTS[name])
        trainer = Trainer(config, TrainSettings(steps=steps, eval_every=steps, **how), data, corpus)
        start = time.perf_counter()
        trainer.run(steps)
        seconds = time.perf_counter() - start
        report = perplexity_report(trainer.validation_loss())
        boundary = corpus.vocab.boundary
        assert boundary is not None   # the built-in names are lines
        samples = [corpus.vocab.decode(trainer.model.generate([boundary], 30, seed=i, stop=boundary))
                   for i in range(6)]
        rows.append((name, trainer.model.num_parameters(), report, seconds, samples))
        print(f"  trained {name} in {seconds:.1f} s")
    print(f"\n  {'model':<12}{'parameters':>11}{'val loss':>10}{'perplexity':>12}  samples")
    for name, params, report, _, samples in rows:
        print(f"  {name:<12}{params:>11,}{report['loss']:>10.4f}{report['perplexity']:>12.2f}  "
              f"{', '.join(samples)}")


def print_examples() -> None:
    print("backproplab demo — the lectures' worked examples, computed by the engine\n")
    from autograd.examples.add_mul import graph as add_mul
    from autograd.examples.common import named
    from autograd.examples.neuron import graph as neuron

    for kind in (Scalar, Tensor):
        f = add_mul(kind)
        f.backward()
        v = named(f)
        print(f"f = (x + y)·z at x=−2, y=5, z=−4   [{kind.__name__}]")
        print(f"  f = {_number(v['f']):g};  ∂f/∂x = {_grad(v['x']):g}, ∂f/∂y = {_grad(v['y']):g}, "
              f"∂f/∂z = {_grad(v['z']):g}")
    print()
    for kind in (Scalar, Tensor):
        for primitives in (False, True):
            f = neuron(kind, primitives)
            f.backward()
            v = named(f)
            how = "exp/add/div gates" if primitives else "a Sigmoid gate"
            print(f"neuron f = σ(w0·x0 + w1·x1 + w2), from {how}   [{kind.__name__}]")
            grads = ", ".join(f"∂f/∂{n} = {_grad(v[n]):.4f}" for n in ("w0", "x0", "w1", "x1", "w2"))
            print(f"  f = {_number(v['f']):.4f};  {grads}")
    print()
    a, b = Scalar(3.0, name="a"), Scalar(-2.0, name="b")
    z = Multiply.apply(a, b)
    z.backward()
    print("a user-written Multiply gate: z = a·b at a=3, b=−2")
    print(f"  z = {z.data:g};  ∂z/∂a = {a.grad:g}, ∂z/∂b = {b.grad:g}")
    a = Scalar(3.0, name="a")
    b = a + a
    c = b * b
    c.backward()
    print("gradients sum where a value branches: b = a + a, c = b·b at a=3")
    print(f"  c = {c.data:g};  dc/da = {a.grad:g} (= 8a)")
    print()
    from autograd.examples.newton import main as newton

    newton(steps=5)   # f' and f'' from the engine: a gradient's graph, differentiated again
