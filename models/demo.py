"""The demo: the lectures' worked examples with their gradients, then the four language models
trained briefly on the built-in names, compared on held-out loss and perplexity, and sampled."""

from __future__ import annotations

import time

import numpy as np

from autograd import Function, Scalar, Tensor
from autograd.value import Value


def add_mul(kind: type[Value] = Scalar) -> dict[str, Value]:
    """f(x, y, z) = (x + y)·z at (−2, 5, −4): ∂f/∂x = z = −4, ∂f/∂y = z = −4, ∂f/∂z = x + y = 3."""
    x, y, z = (_leaf(kind, v, n) for v, n in ((-2.0, "x"), (5.0, "y"), (-4.0, "z")))
    q = x + y
    f = q * z
    f.backward()
    return {"x": x, "y": y, "z": z, "q": q, "f": f}


def neuron(kind: type[Value] = Scalar, from_primitives: bool = False) -> dict[str, Value]:
    """f = σ(w0·x0 + w1·x1 + w2) at (w0, x0, w1, x1, w2) = (2, −1, −3, −2, −3).

    With `from_primitives`, σ is built from exp, add and divide gates, 1 / (1 + e^(−net)); the
    gradients are the same, only the path to them is longer.
    """
    names = ("w0", "x0", "w1", "x1", "w2")
    w0, x0, w1, x1, w2 = (_leaf(kind, v, n) for v, n in zip((2.0, -1.0, -3.0, -2.0, -3.0), names))
    net = w0 * x0 + w1 * x1 + w2
    f = 1 / (1 + (-net).exp()) if from_primitives else net.sigmoid()
    f.backward()
    return {"w0": w0, "x0": x0, "w1": w1, "x1": x1, "w2": w2, "f": f}


class Multiply(Function):
    """z = x·y;  ∂z/∂x = y, ∂z/∂y = x — the lecture's gate, written as a user would."""

    @staticmethod
    def forward(ctx, x, y):  # type: ignore[no-untyped-def]
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad_z):  # type: ignore[no-untyped-def]
        x, y = ctx.saved_tensors
        return y * grad_z, x * grad_z


def _leaf(kind: type[Value], value: float, name: str) -> Value:
    if kind is Tensor:
        return Tensor(value, requires_grad=True, dtype=np.float64, name=name)
    return Scalar(value, name=name)


def _number(value: Value) -> float:
    return float(np.asarray(value.data))


def _grad(value: Value) -> float:
    return float(np.asarray(value.grad))


def main(steps: int | None = None, examples_only: bool = False) -> int:
    print_examples()
    if not examples_only:
        print()
        compare_models(steps or 600)
    return 0


# Brief runs: SGD as makemore for the window models, AdamW for the sequence models.
DEMO_TRAINING = {
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
    for kind in (Scalar, Tensor):
        v = add_mul(kind)
        print(f"f = (x + y)·z at x=−2, y=5, z=−4   [{kind.__name__}]")
        print(f"  f = {_number(v['f']):g};  ∂f/∂x = {_grad(v['x']):g}, ∂f/∂y = {_grad(v['y']):g}, "
              f"∂f/∂z = {_grad(v['z']):g}")
    print()
    for kind in (Scalar, Tensor):
        for primitives in (False, True):
            v = neuron(kind, primitives)
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
