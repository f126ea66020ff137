"""Benchmark workloads. Each builds, for one engine, a `step()` to time and the first loss.

Every engine starts from the same initial weights and data (drawn here with numpy), so their
first losses must agree; `speed.py` checks that to 4 decimals before trusting a timing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

Step = Callable[[], float]


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    reference: str            # the engine the ratio is taken against
    goal: str                 # human-readable goal
    goal_ratio: float         # backproplab time / reference time must be ≤ this
    engines: dict[str, Callable[[], tuple[Step, float]]]
    ops_per_step: int = 0     # for µs per op, where that is the unit of interest
    tokens_per_step: int = 0  # for tokens per second (language models)
    also: tuple[str, ...] = ()   # further references, shown beside the goal's for comparison
    tuned: bool = True        # the workers call allocator.tune() first, as the command line does


# --- per-op overhead: a 1000-op elementwise chain on shape (4,) --------------------------------
CHAIN_REPEATS = 250   # (y·a + b).tanh() − b is 4 ops, so 1000 ops


def _chain_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return (rng.uniform(-1, 1, 4).astype(np.float32), rng.uniform(0.5, 1, 4).astype(np.float32),
            rng.uniform(-0.1, 0.1, 4).astype(np.float32))


def _chain_step(make: Callable[[np.ndarray], object]) -> tuple[Step, float]:
    """The same chain for any engine whose tensors support * + - tanh sum backward .data .grad."""
    x, a, b = (make(v.copy()) for v in _chain_data())

    def step() -> float:
        y = x
        for _ in range(CHAIN_REPEATS):
            y = (y * a + b).tanh() - b
        loss = y.sum()
        loss.backward()
        x.grad = a.grad = b.grad = None
        return float(loss.data)

    return step, step()


def chain_backproplab() -> tuple[Step, float]:
    from autograd import Tensor

    return _chain_step(lambda v: Tensor(v, requires_grad=True))


def chain_torch() -> tuple[Step, float]:
    import torch

    return _chain_step(lambda v: torch.tensor(v, requires_grad=True))


# --- a scalar MLP(3 → 16 → 16 → 1, relu) training step over 32 samples ------------------------
MLP_SIZES = (3, 16, 16, 1)
MLP_SAMPLES = 32
MLP_LR = 0.01


def _mlp_data() -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """Per layer (weights (out, in), biases (out,)), and 32 samples with targets."""
    rng = np.random.default_rng(0)
    layers = [(rng.uniform(-1, 1, (n_out, n_in)), np.zeros(n_out))
              for n_in, n_out in pairwise(MLP_SIZES)]
    xs = rng.uniform(-1, 1, (MLP_SAMPLES, MLP_SIZES[0]))
    ys = np.sin(xs.sum(axis=1))
    return layers, xs, ys


def _scalar_mlp_step(make: Callable[[float], object]) -> tuple[Step, float]:
    """The same step for any engine whose scalar values support + * ** relu, .data and .grad."""
    init, xs, ys = _mlp_data()
    layers = [([[make(float(w)) for w in row] for row in weights], [make(float(b)) for b in biases])
              for weights, biases in init]
    params = [p for weights, biases in layers for row in weights for p in row] + \
             [b for _, biases in layers for b in biases]
    samples = [([float(v) for v in x], float(y)) for x, y in zip(xs, ys)]

    def forward(x: list) -> object:
        for depth, (weights, biases) in enumerate(layers):
            last = depth == len(layers) - 1
            out = []
            for row, bias in zip(weights, biases):
                act = bias
                for w, xi in zip(row, x):
                    act = act + w * xi
                out.append(act if last else act.relu())
            x = out
        return x[0]

    def step() -> float:
        loss = None
        for x, y in samples:
            err = forward(x) - y
            loss = err * err if loss is None else loss + err * err
        loss = loss * (1.0 / len(samples))
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= MLP_LR * p.grad
        return float(loss.data)

    return step, step()


def scalar_mlp_backproplab() -> tuple[Step, float]:
    from autograd import Scalar

    return _scalar_mlp_step(Scalar)


def scalar_mlp_micrograd() -> tuple[Step, float]:
    from micrograd.engine import Value

    return _scalar_mlp_step(Value)


WORKLOADS: dict[str, Workload] = {
    w.name: w for w in (
        Workload("per-op", "1000-op elementwise chain on shape (4,), forward + backward", "torch",
                 "≤ 1.0× PyTorch", 1.0, {"backproplab": chain_backproplab, "torch": chain_torch},
                 ops_per_step=4 * CHAIN_REPEATS + 1),
        Workload("scalar-mlp", "Scalar MLP(3 → 16 → 16 → 1, relu), one SGD step over 32 samples",
                 "micrograd", "≥ 4× faster than micrograd (ratio ≤ 0.25)", 0.25,
                 {"backproplab": scalar_mlp_backproplab, "micrograd": scalar_mlp_micrograd}),
    )
}


# --- the language models: one training step, backproplab against its PyTorch twin --------------
SHAKESPEARE = "../shared/data/tinyshakespeare.txt"

LM_SPECS: dict[str, dict] = {
    "mlp-small": {"model": {"model": "mlp", "block_size": 3, "n_embd": 10, "n_hidden": 200},
                  "train": {"optimizer": "sgd", "lr": 0.1, "batch_size": 32, "weight_decay": 0.0},
                  "data": "names"},
    "mlp-big": {"model": {"model": "mlp", "block_size": 8, "n_embd": 64, "n_hidden": 1024},
                "train": {"optimizer": "sgd", "lr": 0.1, "batch_size": 512, "weight_decay": 0.0},
                "data": "names"},
    "cnn": {"model": {"model": "cnn", "block_size": 8, "n_embd": 24, "n_hidden": 128},
            "train": {"optimizer": "sgd", "lr": 0.1, "batch_size": 32, "weight_decay": 0.0},
            "data": "names"},
    "rnn": {"model": {"model": "rnn", "block_size": 32, "n_embd": 64, "n_hidden": 128},
            "train": {"optimizer": "adamw", "lr": 1e-3, "batch_size": 32}, "data": "text65"},
    "lstm": {"model": {"model": "lstm", "block_size": 32, "n_embd": 64, "n_hidden": 128},
             "train": {"optimizer": "adamw", "lr": 1e-3, "batch_size": 32}, "data": "text65"},
    "gru": {"model": {"model": "gru", "block_size": 32, "n_embd": 64, "n_hidden": 128},
            "train": {"optimizer": "adamw", "lr": 1e-3, "batch_size": 32}, "data": "text65"},
    "transformer-a": {"model": {"model": "transformer", "block_size": 16, "n_embd": 64,
                                "n_layer": 4, "n_head": 4, "positions": "learned"},
                      "train": {"optimizer": "adamw", "lr": 5e-4, "batch_size": 32},
                      "data": "names"},
    "transformer-b": {"model": {"model": "transformer", "block_size": 64, "n_embd": 128,
                                "n_layer": 4, "n_head": 4, "positions": "learned"},
                      "train": {"optimizer": "adamw", "lr": 1e-3, "batch_size": 12},
                      "data": "text65"},
}


def _lm_trainer(name: str):  # type: ignore[no-untyped-def]
    import os

    from models.base import ModelConfig
    from models.data import Corpus, builtin_names, read_text
    from models.train import DataSettings, Trainer, TrainSettings

    spec = LM_SPECS[name]
    if spec["data"] == "names":
        corpus = Corpus.from_text(builtin_names(), "char", "lines")
    else:   # 65 symbols of running text: Shakespeare when present, else a seeded stand-in
        if os.path.exists(SHAKESPEARE):
            text = read_text(SHAKESPEARE)
        else:
            symbols = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    " .,;:!?'-\n&$3"))
            text = "".join(np.random.default_rng(0).choice(symbols, 200_000))
        corpus = Corpus.from_text(text, "char", "stream", fractions=(0.9, 0.1, 0.0))
    config = ModelConfig(vocab_size=len(corpus.vocab), seed=0, **spec["model"])
    settings = TrainSettings(seed=0, eval_every=10**9, **spec["train"])
    return Trainer(config, settings, DataSettings(), corpus)


def lm_backproplab(name: str) -> tuple[Step, float]:
    trainer = _lm_trainer(name)
    return trainer.train_step, trainer.train_step()


def lm_torch(name: str, fused: bool = False) -> tuple[Step, float]:
    from benchmarks.torch_reference import make_twin, twin_step

    trainer = _lm_trainer(name)
    twin, opt = make_twin(trainer, fused=fused)
    size = trainer.settings.batch_size

    def step() -> float:
        return twin_step(twin, opt, *trainer.batches.sample(size))

    return step, step()


def _tokens_per_step(name: str) -> int:
    from models.registry import MODELS
    from models.train import tokens_per_step

    spec = LM_SPECS[name]
    return tokens_per_step(MODELS[spec["model"]["model"]].window, spec["train"]["batch_size"],
                           spec["model"]["block_size"])


def _lm_workload(name: str, goal: float, description: str, fused: bool = False) -> Workload:
    engines = {"backproplab": lambda: lm_backproplab(name), "torch": lambda: lm_torch(name)}
    if fused:   # PyTorch's own fused nn.RNN / nn.LSTM / nn.GRU as a second reference
        engines["torch-fused"] = lambda: lm_torch(name, fused=True)
    return Workload(name, description, "torch", f"≤ {goal}× PyTorch", goal, engines,
                    tokens_per_step=_tokens_per_step(name), also=("torch-fused",) if fused else ())


WORKLOADS.update({w.name: w for w in (
    _lm_workload("mlp-small", 0.6, "MLP LM: vocab 27, context 3, embedding 10, hidden 200, "
                 "batch 32, SGD"),
    _lm_workload("mlp-big", 1.0, "MLP LM: vocab 27, context 8, embedding 64, hidden 1024, "
                 "batch 512, SGD"),
    _lm_workload("cnn", 1.0, "CNN-window LM, names-cnn configuration, batch 32, SGD"),
    _lm_workload("rnn", 0.8, "Elman tanh RNN LM: vocab 65, hidden 128, sequence 32, batch 32, "
                 "AdamW (PyTorch from Linear cells; its fused nn.RNN as a second reference)",
                 fused=True),
    _lm_workload("lstm", 1.0, "LSTM LM: vocab 65, hidden 128, sequence 32, batch 32, AdamW "
                 "(PyTorch's nn.LSTMCell looped over t; its fused nn.LSTM as a second reference)",
                 fused=True),
    _lm_workload("gru", 1.0, "GRU LM: vocab 65, hidden 128, sequence 32, batch 32, AdamW "
                 "(PyTorch's nn.GRUCell looped over t; its fused nn.GRU as a second reference)",
                 fused=True),
    _lm_workload("transformer-a", 1.0, "Transformer A: vocab 27, block 16, 4 layers, 4 heads, "
                 "n_embd 64, batch 32, AdamW"),
    _lm_workload("transformer-b", 1.0, "Transformer B: vocab 65, block 64, 4 layers, 4 heads, "
                 "n_embd 128, batch 12, AdamW"),
)})


def _plain_script(name: str) -> Workload:
    """`name` in a fresh process that imports the package and trains, with no tuning call (for
    either engine): what a notebook or a student's own script gets."""
    workload = WORKLOADS[name]
    return replace(workload, name=f"{name}-plain", tuned=False,
                   description=f"{workload.description}; plain script (no allocator.tune() call)")


WORKLOADS.update({w.name: w for w in (_plain_script("transformer-a"),
                                      _plain_script("transformer-b"))})
