"""How much memory a run takes, estimated from its settings before anything is allocated.

Weights are float32 (4 bytes). Training keeps for each parameter its value, its gradient and
the optimiser's buffers (AdamW two, SGD with momentum one); for each example of a batch, the
activations the backward pass reads, and as many gradients. The per-example counts below are the
largest tensors of each model's forward pass (a sequence model's per position, times the
block size), within a factor of about two of what the engine holds: enough to refuse a run that
cannot fit before it starts, with the estimate in the message, instead of a MemoryError (or the
machine swapping) minutes later. A run may take at most half of the machine's memory.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

from models.settings import ModelConfig, SettingsError, TrainSettings

FLOAT = 4      # bytes of a float32
SHARE = 0.5    # of the machine's memory that one run may take


def _mlp(c: ModelConfig) -> int:
    v, e, h, t = c.vocab_size, c.n_embd, c.n_hidden, c.block_size
    return v * e + t * e * h + h + h * v + v + (t * e * v if c.direct else 0)


def _cnn(c: ModelConfig) -> int:
    v, e, h = c.vocab_size, c.n_embd, c.n_hidden
    levels = max(int(math.log2(c.block_size)), 1)
    return v * e + 2 * e * h + (levels - 1) * 2 * h * h + levels * 2 * h + h * v + v


def _recurrent(gates: int, biases: int, starts: int) -> Callable[[ModelConfig], int]:
    """An embedding, a cell of `gates` gates (W_x, W_h and `biases` bias vectors each of
    gates·H), `starts` initial state vectors, and the readout."""
    def count(c: ModelConfig) -> int:
        v, e, h = c.vocab_size, c.n_embd, c.n_hidden
        return v * e + gates * h * (e + h + biases) + starts * h + h * v + v
    return count


def _transformer(c: ModelConfig) -> int:
    v, e, t = c.vocab_size, c.n_embd, c.block_size
    block = 4 * e + (3 * e * e + 3 * e) + (e * e + e) + (4 * e * e + 4 * e) + (4 * e * e + e)
    return v * e + (t * e if c.positions == "learned" else 0) + c.n_layer * block + 2 * e + \
        (0 if c.tied else e * v)


PARAMETERS: dict[str, Callable[[ModelConfig], int]] = {
    "ngram": lambda c: 0,   # counts, not parameters: they grow with the data (its examples)
    "bigram": lambda c: c.vocab_size * c.vocab_size,
    "mlp": _mlp, "cnn": _cnn, "rnn": _recurrent(1, 1, 1), "lstm": _recurrent(4, 1, 2),
    "gru": _recurrent(3, 2, 1), "transformer": _transformer,
}
# floats an example keeps for the backward pass (values; gradients come on top); a sequence
# model's per position, times the block size
ACTIVATIONS: dict[str, Callable[[ModelConfig], int]] = {
    "ngram": lambda c: 3 * c.vocab_size,
    "bigram": lambda c: 3 * c.vocab_size,
    "mlp": lambda c: c.block_size * c.n_embd + 2 * c.n_hidden + 3 * c.vocab_size +
    (c.vocab_size if c.direct else 0),
    # the levels halve: t/2 + t/4 + … < t positions
    "cnn": lambda c: 2 * c.block_size * (c.n_embd + c.n_hidden) + c.block_size * c.n_hidden +
    3 * c.vocab_size,
    "rnn": lambda c: c.block_size * (3 * c.n_hidden + 3 * c.vocab_size),
    "lstm": lambda c: c.block_size * (14 * c.n_hidden + 3 * c.vocab_size),
    "gru": lambda c: c.block_size * (10 * c.n_hidden + 3 * c.vocab_size),
    "transformer": lambda c: c.block_size * (2 * c.n_embd + c.n_layer * (
        20 * c.n_embd + 3 * c.n_head * c.block_size) + 3 * c.vocab_size),
}


def parameters(c: ModelConfig) -> int:
    """The model's parameter count (tests compare it with `Module.num_parameters`)."""
    return PARAMETERS[c.model](c)


def activations(c: ModelConfig) -> int:
    """Floats one example keeps for the backward pass (values; gradients come on top)."""
    return ACTIVATIONS[c.model](c)


def machine_memory() -> int:
    """This machine's physical memory in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def shown(size: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size:.0f} bytes"


SIZES = {"mlp": ("block_size", "n_embd", "n_hidden"), "cnn": ("block_size", "n_embd", "n_hidden"),
         "rnn": ("block_size", "n_embd", "n_hidden"), "lstm": ("block_size", "n_embd", "n_hidden"),
         "gru": ("block_size", "n_embd", "n_hidden"),
         "transformer": ("block_size", "n_embd", "n_layer", "n_head")}


def needs(config: ModelConfig, settings: TrainSettings | None) -> tuple[int, int, int]:
    """Bytes for the weights (with `settings`: and their gradients and optimizer state), for one
    example's activations and their gradients, and for a batch's (0 without `settings`)."""
    buffers = 0 if settings is None else \
        (2 if settings.optimizer == "adamw" else 1 if settings.momentum else 0)
    weights = FLOAT * parameters(config) * (1 if settings is None else 2 + buffers)
    one = FLOAT * 2 * activations(config)
    return weights, one, 0 if settings is None else one * settings.batch_size


def check_fits(config: ModelConfig, settings: TrainSettings | None,
               examples: tuple[int, int] = (0, 0)) -> None:
    """Refuse a model (and with `settings`, its training on `examples`: their count and bytes)
    that needs more than a share of this machine's memory, naming what asks for it — the data,
    the batch size, or the model's sizes — and the estimate."""
    budget = SHARE * machine_memory()
    machine = f"this machine has {shown(machine_memory())}, and a run may take half of it"
    if examples[1] > budget:
        raise SettingsError(f"the data's {examples[0]:,} training examples need about "
                            f"{shown(examples[1])} at block_size {config.block_size}; {machine} "
                            "(running text as --shape stream is sampled, not cut up front)")
    budget -= examples[1]
    count = parameters(config)
    weights, one, batch = needs(config, settings)
    if weights + batch <= budget:
        return
    if settings is not None and weights + one <= budget:   # a smaller batch would fit
        raise SettingsError(f"--batch-size {settings.batch_size} needs about {shown(batch)} for "
                            f"the {config.model}'s activations; {machine}")
    sizes = ", ".join(f"{name} {getattr(config, name)}" for name in
                      (*SIZES.get(config.model, ()), "vocab_size"))
    what = "weights" if settings is None else "weights, gradients, optimizer state and activations"
    raise SettingsError(f"a {config.model} with {sizes} ({count:,} parameters) needs about "
                        f"{shown(weights + batch)} for its {what}; {machine}")
