"""Gated recurrent cells as modules: `LSTMCell` and `GRUCell`, PyTorch's cells with this
project's input-major weights (x·W, as `Linear`).

Each splits a step in two so that a model can do the input's part for every step at once:
`input_part(x)` = x·W_x + b (one product over the whole sequence, or over the embedding table),
then `F.lstm_cell` / `F.gru_cell` adds the recurrent part, one fused gate per step. Calling the
module does both for one step, as PyTorch's cells do. Weights start uniform in ±1/√H, as
PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.nn import functional as F
from autograd.nn.layers import _rng, _uniform
from autograd.nn.module import Module
from autograd.tensor import Tensor


class _GatedCell(Module):
    gates = 0

    def __init__(self, input_size: int, hidden_size: int, dtype: Any = np.float32,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        rng, width = _rng(rng), self.gates * hidden_size
        self.weight_x = _uniform(rng, (input_size, width), hidden_size, dtype)    # W_x
        self.bias = _uniform(rng, (width,), hidden_size, dtype)   # b (the LSTM's b_ih + b_hh)
        self.weight_h = _uniform(rng, (hidden_size, width), hidden_size, dtype)   # W_h

    def input_part(self, x: Tensor) -> Tensor:
        """x·W_x + b for x (…, input_size): the pre-activations' input part, (…, gates·H)."""
        return F.linear(x, self.weight_x, self.bias)

    def zeros(self, x: Tensor) -> Tensor:
        return Tensor(np.zeros((*x.shape[:-1], self.hidden_size), dtype=x.dtype))

    def extra_repr(self) -> str:
        return f"{self.input_size} → {self.hidden_size}"


class LSTMCell(_GatedCell):
    """(h', c') = LSTM step of x (…, input_size) from (h, c) (zeros when not given); gates i, f,
    g, o (see `gates.recurrent.LSTMCell` for the math)."""

    gates = 4

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        h, c = state if state is not None else (self.zeros(x), self.zeros(x))
        return F.lstm_cell(self.input_part(x), h, c, self.weight_h)


class GRUCell(_GatedCell):
    """h' = GRU step of x (…, input_size) from h (zeros when not given); gates r, z, n (see
    `gates.recurrent.GRUCell` for the math). The recurrent bias b_h is apart from b, since r
    multiplies h·W_hn + b_hn."""

    gates = 3

    def __init__(self, input_size: int, hidden_size: int, dtype: Any = np.float32,
                 rng: np.random.Generator | None = None) -> None:
        rng = _rng(rng)
        super().__init__(input_size, hidden_size, dtype, rng)
        self.bias_h = _uniform(rng, (3 * hidden_size,), hidden_size, dtype)   # b_h

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        h = h if h is not None else self.zeros(x)
        return F.gru_cell(self.input_part(x), h, self.weight_h, self.bias_h)
