"""A GRU language model (Cho et al. 2014): the RNN with an update gate z_t that mixes the old
state into the new one, h_t = (1 − z_t)⊙n_t + z_t⊙h_{t−1}, so the gradient through time has a
path multiplied by z_t only — as makemore's GRU:

    a_t = e_t·W_x + b                           (r, z, n) pre-activations, input part
    h_t = gru_cell(a_t, h_{t−1}, W_h, b_h)      one fused gate per step
    ŷ_t = softmax(U·h_t + b_out)

The start state h_0 is learned. Truncated BPTT as the RNN (`recurrent.py`).
"""

from __future__ import annotations

import numpy as np

from autograd import F, Parameter, Tensor
from autograd.nn.recurrent import GRUCell
from models.base import ModelConfig
from models.recurrent import GatedLanguageModel, State


class GRULanguageModel(GatedLanguageModel):
    cell_type = GRUCell
    cell: GRUCell

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        self.start = Parameter(np.zeros(config.n_hidden, dtype=np.float32))

    def start_state(self) -> State:
        return (self.start,)   # (n_hidden,), broadcast over the batch

    def step(self, a: Tensor, state: State) -> State:
        return (F.gru_cell(a, state[0], self.cell.weight_h, self.cell.bias_h),)
