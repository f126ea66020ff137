"""An Elman recurrent language model (Mikolov et al. 2010), trained by backpropagation through
time:

    e_t = C(w_t)
    h_0 = s                                    a learned start state (as makemore's RNN)
    h_t = f(W_h·h_{t−1} + W_e·e_t + b₁)       f = tanh (or sigmoid, as in the lecture)
    ŷ_t = softmax(U·h_t + b₂)

The same weights serve every step, so a sequence of any length fits; the gradient reaching
h_t through T − t steps is a product of T − t Jacobians, which is why it vanishes or explodes.
What the recurrent models share (the loop through time, truncated BPTT) is in `recurrent.py`.
"""

from __future__ import annotations

import numpy as np

from autograd import Linear, Parameter, Tensor
from models.base import ModelConfig
from models.recurrent import RecurrentLanguageModel, State
from models.settings import NONLINEARITIES


class RNNLanguageModel(RecurrentLanguageModel):
    def __init__(self, config: ModelConfig) -> None:
        if config.nonlinearity not in NONLINEARITIES:
            raise ValueError(f"rnn: nonlinearity must be {' or '.join(NONLINEARITIES)}, got "
                             f"{config.nonlinearity!r}")
        rng = np.random.default_rng(config.seed)
        super().__init__(config, rng)
        c = config
        self.input = Linear(c.n_embd, c.n_hidden, rng=rng)                # W_e, b₁
        self.recurrent = Linear(c.n_hidden, c.n_hidden, bias=False, rng=rng)  # W_h
        self._output_layer(rng)                                            # U, b₂
        self.start = Parameter(np.zeros(c.n_hidden, dtype=np.float32))     # h_0

    def input_table(self) -> Tensor:
        return self.input(self.embedding.weight)

    def start_state(self) -> State:
        return (self.start,)   # (n_hidden,), broadcast over the batch

    def step(self, a: Tensor, state: State) -> State:
        pre = self.recurrent(state[0]) + a
        return (pre.tanh() if self.config.nonlinearity == "tanh" else pre.sigmoid(),)

    def recurrent_weight(self) -> Parameter:
        """W_h, the weight every step shares."""
        return self.recurrent.weight
