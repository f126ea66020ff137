"""What the recurrent language models share (Elman RNN, LSTM, GRU): one cell applied through
time, trained by backpropagation through time, full or truncated.

    e_t = C(w_t)                       the token's embedding
    a_t = e_t·W_x + b                  the input's part of every pre-activation
    state_t = cell(a_t, state_{t−1})   the model's own recurrence; state_0 is learned
    ŷ_t = softmax(U·h_t + b_out)       h_t = state_t[0]

a_t is row w_t of the table C·W_x + b: the V rows are projected once, then each step gathers its
rows (so the gradient lands in a V-row table, not a (B, T, ·) one). Training feeds the true
previous token (teacher forcing). `forward_with_state` carries the state across chunks for
truncated BPTT; `truncated_bptt_loss` detaches it between chunks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograd import Embedding, F, Linear, Parameter, Tensor, time_step
from autograd.nn.recurrent import GRUCell, LSTMCell
from models.base import LanguageModel, ModelConfig

State = tuple[Tensor, ...]


class RecurrentLanguageModel(LanguageModel):
    """A subclass builds `self.embedding`, `self.output` and its cell, and says how one step
    goes (`step`), what the input table is (`input_table`) and where it starts (`start_state`);
    `state_names` name each part of the state in the graph (`h3`, `c3`)."""

    state_names: tuple[str, ...] = ("h",)

    def __init__(self, config: ModelConfig, rng: np.random.Generator) -> None:
        super().__init__(config)
        self.embedding = Embedding(config.vocab_size, config.n_embd, rng=rng)

    def _output_layer(self, rng: np.random.Generator) -> None:
        """The readout U, b_out: made after the cell, so the initial weights keep their order."""
        self.output = Linear(self.config.n_hidden, self.config.vocab_size, rng=rng)

    def input_table(self) -> Tensor:
        raise NotImplementedError

    def start_state(self) -> State:
        raise NotImplementedError

    def step(self, a: Tensor, state: State) -> State:
        raise NotImplementedError

    def recurrent_weight(self) -> Parameter:
        """W_h, the weight every step shares."""
        raise NotImplementedError

    def forward_with_state(self, idx: np.ndarray, state: State | None = None
                           ) -> tuple[Tensor, State, list[State]]:
        """idx (B, T) → (logits (B, T, V), the last state, every state_t)."""
        table = self.input_table()
        state = self.start_state() if state is None else state
        states = []
        for t in range(idx.shape[1]):
            with time_step(t + 1):   # the unrolled graph's nodes know their t
                state = self.step(F.embedding(table, idx[:, t]), state)
            for part, name in zip(state, self.state_names):
                part.name = f"{name}{t + 1}"
            states.append(state)
        logits = self.output(F.stack([s[0] for s in states], axis=1))
        return logits, state, states

    def forward(self, idx: np.ndarray) -> Tensor:
        """idx (B, T) → logits (B, T, V)."""
        return self.forward_with_state(idx)[0]

    def next_logits(self, context: list[int]) -> np.ndarray:
        # no window: the state summarises the whole context
        return self(np.array([context])).data[0, -1]

    def truncated_bptt_loss(self, idx: np.ndarray, targets: np.ndarray, chunk: int,
                            backward: Callable[[Tensor], None] = Tensor.backward) -> float:
        """Backpropagate the mean loss over (B, T) in chunks of `chunk` steps, carrying the state
        forward detached: gradients stop at chunk boundaries. Returns the loss; leaves the
        (accumulated) gradients in the parameters. `backward(chunk_loss)` runs each chunk's
        pass (the trainer's diagnostics probe one)."""
        if chunk < 1:
            raise ValueError(f"truncated BPTT: chunk must be ≥ 1, got {chunk}")
        counted = max(1, int(np.sum(targets != -1)))
        state: State | None = None
        total = 0.0
        for start in range(0, idx.shape[1], chunk):
            x, y = idx[:, start:start + chunk], targets[:, start:start + chunk]
            n = int(np.sum(y != -1))
            logits, state, _ = self.forward_with_state(x, state)
            if n:
                loss = F.cross_entropy(logits, y, ignore_index=-1) * (n / counted)
                backward(loss)
                total += float(loss.data)
            state = tuple(part.detach() for part in state)
        return total


class GatedLanguageModel(RecurrentLanguageModel):
    """The frame the LSTM and the GRU share: one gated cell (`cell_type`) whose input part is
    projected once over the embedding table, its W_h shared by every step; a subclass adds its
    learned start state and says how a step goes."""

    cell_type: type[LSTMCell] | type[GRUCell]
    cell: LSTMCell | GRUCell

    def __init__(self, config: ModelConfig) -> None:
        rng = np.random.default_rng(config.seed)
        super().__init__(config, rng)
        self.cell = self.cell_type(config.n_embd, config.n_hidden, rng=rng)
        self._output_layer(rng)

    def input_table(self) -> Tensor:
        return self.cell.input_part(self.embedding.weight)

    def recurrent_weight(self) -> Parameter:
        return self.cell.weight_h
