"""An LSTM language model (Hochreiter & Schmidhuber 1997): the RNN with a cell state c_t whose
update is additive, c_t = f_t⊙c_{t−1} + i_t⊙g_t, so the gradient through time is multiplied by
the forget gate f_t instead of by W_hᵀ·diag(f′) at every step — the cure for the vanishing
gradients the lectures show in the plain RNN:

    a_t = e_t·W_x + b                                  (i, f, g, o) pre-activations, input part
    (h_t, c_t) = lstm_cell(a_t, h_{t−1}, c_{t−1}, W_h)  one fused gate per step
    ŷ_t = softmax(U·h_t + b_out)

The start state (h_0, c_0) is learned. Truncated BPTT as the RNN (`recurrent.py`).
"""

from __future__ import annotations

import numpy as np

from autograd import F, Parameter, Tensor
from autograd.nn.recurrent import LSTMCell
from models.base import ModelConfig
from models.recurrent import GatedLanguageModel, State


class LSTMLanguageModel(GatedLanguageModel):
    cell_type = LSTMCell
    cell: LSTMCell
    state_names = ("h", "c")

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        self.start_h = Parameter(np.zeros(config.n_hidden, dtype=np.float32))
        self.start_c = Parameter(np.zeros(config.n_hidden, dtype=np.float32))

    def start_state(self) -> State:
        return self.start_h, self.start_c   # (n_hidden,) each, broadcast over the batch

    def step(self, a: Tensor, state: State) -> State:
        return F.lstm_cell(a, state[0], state[1], self.cell.weight_h)
