"""The neural models in PyTorch, built from the same initial weights as backproplab's and trained
on the same batches, for side-by-side comparisons (the project itself never needs PyTorch).

`train_reference(trainer)` mirrors a `models.train.Trainer`: its model's initial weights are
copied (Linear weights transposed: backproplab stores them input-major), batches are drawn from
an identically seeded generator, and the optimiser and schedule are PyTorch's own.

The LSTM and GRU twins are PyTorch's nn.LSTMCell / nn.GRUCell looped over the time steps (or,
fused, nn.LSTM / nn.GRU): W_x → weight_ih, W_h → weight_hh (both transposed), b → bias_ih; the
GRU's b_h → bias_hh, while the LSTM's bias_hh stays zero and frozen, since backproplab's LSTM
has the one bias b = b_ih + b_hh.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from models.base import LanguageModel
from models.data import IGNORE, Batches


def _modules():  # type: ignore[no-untyped-def]
    import torch
    from torch import nn
    from torch.nn import functional as F

    class MLP(nn.Module):
        def __init__(self, c) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            self.embedding = nn.Embedding(c.vocab_size, c.n_embd)
            self.hidden = nn.Linear(c.block_size * c.n_embd, c.n_hidden)
            self.output = nn.Linear(c.n_hidden, c.vocab_size)

        def forward(self, idx):  # type: ignore[no-untyped-def]
            x = self.embedding(idx).flatten(1)
            return self.output(torch.tanh(self.hidden(x)))

    class CNN(nn.Module):
        def __init__(self, c) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            self.embedding = nn.Embedding(c.vocab_size, c.n_embd)
            levels = int(math.log2(c.block_size))
            self.convs = nn.ModuleList(nn.Conv1d(c.n_embd if i == 0 else c.n_hidden, c.n_hidden,
                                                 2, stride=2, bias=False) for i in range(levels))
            self.norms = nn.ModuleList(nn.BatchNorm1d(c.n_hidden) for _ in range(levels))
            self.output = nn.Linear(c.n_hidden, c.vocab_size)

        def forward(self, idx):  # type: ignore[no-untyped-def]
            h = self.embedding(idx).transpose(1, 2)
            for conv, norm in zip(self.convs, self.norms):
                h = torch.tanh(norm(conv(h)))
            return self.output(h.flatten(1))

    class RNN(nn.Module):
        def __init__(self, c) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            self.embedding = nn.Embedding(c.vocab_size, c.n_embd)
            self.input = nn.Linear(c.n_embd, c.n_hidden)
            self.recurrent = nn.Linear(c.n_hidden, c.n_hidden, bias=False)
            self.output = nn.Linear(c.n_hidden, c.vocab_size)
            self.start = nn.Parameter(torch.zeros(c.n_hidden))

        def forward(self, idx):  # type: ignore[no-untyped-def]
            drive = self.input(self.embedding(idx))
            h = self.start.expand(idx.shape[0], -1)
            states = []
            for t in range(idx.shape[1]):
                h = torch.tanh(self.recurrent(h) + drive[:, t])
                states.append(h)
            return self.output(torch.stack(states, 1))

    class FusedRNN(nn.Module):
        """The same Elman RNN on PyTorch's fused nn.RNN; its recurrent bias stays zero and
        frozen, as backproplab's recurrent Linear has none."""

        def __init__(self, c) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            self.embedding = nn.Embedding(c.vocab_size, c.n_embd)
            self.rnn = nn.RNN(c.n_embd, c.n_hidden, batch_first=True)
            with torch.no_grad():
                self.rnn.bias_hh_l0.zero_()
            self.rnn.bias_hh_l0.requires_grad_(False)
            self.output = nn.Linear(c.n_hidden, c.vocab_size)
            self.start = nn.Parameter(torch.zeros(c.n_hidden))

        def forward(self, idx):  # type: ignore[no-untyped-def]
            start = self.start.expand(1, idx.shape[0], -1).contiguous()
            states, _ = self.rnn(self.embedding(idx), start)
            return self.output(states)

    class Block(nn.Module):
        def __init__(self, c) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            self.n_head = c.n_head
            self.ln1, self.ln2 = nn.LayerNorm(c.n_embd), nn.LayerNorm(c.n_embd)
            self.qkv, self.proj = nn.Linear(c.n_embd, 3 * c.n_embd), nn.Linear(c.n_embd, c.n_embd)
            self.up, self.down = nn.Linear(c.n_embd, 4 * c.n_embd), nn.Linear(4 * c.n_embd, c.n_embd)
            self.register_buffer("future", torch.triu(torch.ones(c.block_size, c.block_size,
                                                                 dtype=torch.bool), 1))

        def forward(self, x):  # type: ignore[no-untyped-def]
            b, t, c = x.shape
            q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.n_head, c // self.n_head) \
                .permute(2, 0, 3, 1, 4)
            att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.n_head)
            att = F.softmax(att.masked_fill(self.future[:t, :t], float("-inf")), dim=-1)
            x = x + self.proj((att @ v).transpose(1, 2).reshape(b, t, c))
            return x + self.down(F.gelu(self.up(self.ln2(x)), approximate="tanh"))

    class Transformer(nn.Module):
        def __init__(self, c) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            self.tokens = nn.Embedding(c.vocab_size, c.n_embd)
            self.positions = nn.Embedding(c.block_size, c.n_embd)
            self.blocks = nn.ModuleList(Block(c) for _ in range(c.n_layer))
            self.ln_f = nn.LayerNorm(c.n_embd)
            self.head = nn.Linear(c.n_embd, c.vocab_size, bias=False)

        def forward(self, idx):  # type: ignore[no-untyped-def]
            x = self.tokens(idx) + self.positions(torch.arange(idx.shape[1]))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln_f(x))

    class Bigram(nn.Module):
        def __init__(self, c) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            self.table = nn.Embedding(c.vocab_size, c.vocab_size)

        def forward(self, idx):  # type: ignore[no-untyped-def]
            return self.table(idx[:, -1])

    class Gated(nn.Module):
        """The LSTM or GRU language model on PyTorch's cell looped over t (fused: its nn.LSTM /
        nn.GRU over the whole sequence); the start state is learned, as backproplab's."""

        def __init__(self, c, kind: str, fused: bool) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            self.kind, self.fused = kind, fused
            self.embedding = nn.Embedding(c.vocab_size, c.n_embd)
            if fused:
                self.cell = (nn.LSTM if kind == "lstm" else nn.GRU)(c.n_embd, c.n_hidden,
                                                                     batch_first=True)
            else:
                self.cell = (nn.LSTMCell if kind == "lstm" else nn.GRUCell)(c.n_embd, c.n_hidden)
            self.output = nn.Linear(c.n_hidden, c.vocab_size)
            names = ("start_h", "start_c") if kind == "lstm" else ("start",)
            for name in names:
                setattr(self, name, nn.Parameter(torch.zeros(c.n_hidden)))
            if kind == "lstm":   # one bias b = b_ih + b_hh in backproplab: bias_hh is 0, frozen
                bias_hh = getattr(self.cell, "bias_hh_l0" if fused else "bias_hh")
                with torch.no_grad():
                    bias_hh.zero_()
                bias_hh.requires_grad_(False)

        def _start(self, batch: int):  # type: ignore[no-untyped-def]
            starts = (self.start_h, self.start_c) if self.kind == "lstm" else (self.start,)
            shape = (1, batch, -1) if self.fused else (batch, -1)
            parts = tuple(s.expand(*shape).contiguous() for s in starts)
            return parts if self.kind == "lstm" else parts[0]

        def forward(self, idx):  # type: ignore[no-untyped-def]
            x, state = self.embedding(idx), self._start(idx.shape[0])
            if self.fused:
                return self.output(self.cell(x, state)[0])
            states = []
            for t in range(idx.shape[1]):
                state = self.cell(x[:, t], state)
                states.append(state[0] if self.kind == "lstm" else state)
            return self.output(torch.stack(states, 1))

    return {"mlp": MLP, "cnn": CNN, "rnn": RNN, "transformer": Transformer, "bigram": Bigram,
            "rnn-fused": FusedRNN,
            **{f"{kind}{tail}": (lambda c, kind=kind, fused=bool(tail): Gated(c, kind, fused))
               for kind in ("lstm", "gru") for tail in ("", "-fused")}}


# backproplab's RNN parameters → the fused nn.RNN's
_FUSED_RNN_NAMES = {"input.weight": "rnn.weight_ih_l0", "input.bias": "rnn.bias_ih_l0",
                    "recurrent.weight": "rnn.weight_hh_l0"}
# the gated cells' parameters → nn.LSTMCell / nn.GRUCell's (nn.LSTM / nn.GRU's end in _l0)
_GATED_NAMES = {"cell.weight_x": "cell.weight_ih", "cell.bias": "cell.bias_ih",
                "cell.weight_h": "cell.weight_hh", "cell.bias_h": "cell.bias_hh"}
# tables of rows, copied as they are (every other matrix is a Linear's, transposed)
_TABLES = ("embedding.weight", "tokens.weight", "positions.weight", "table.weight")
FUSED_TWINS = ("rnn", "lstm", "gru")


def _torch_name(name: str, fused: bool = False) -> str:
    """backproplab's parameter path → the PyTorch module's."""
    if fused and name in _FUSED_RNN_NAMES:
        return _FUSED_RNN_NAMES[name]
    if name in _GATED_NAMES:
        return _GATED_NAMES[name] + ("_l0" if fused else "")
    parts = name.split(".")
    if parts[0] == "levels":   # cnn: levels.i.conv / levels.i.norm
        kind = "convs" if parts[2] == "conv" else "norms"
        return ".".join([kind, parts[1], *parts[3:]])
    return ".".join(p for p in parts if p not in ("attn", "ffn"))


def copy_weights(ours: LanguageModel, theirs: Any, fused: bool = False) -> None:
    import torch

    state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        key = _torch_name(name, fused)
        if key not in state:
            raise KeyError(f"no PyTorch parameter for {name} (looked for {key})")
        linear = value.ndim == 2 and state[key].shape == value.T.shape and not name.endswith(
            _TABLES)
        state[key] = torch.tensor(value.T.copy() if linear else value)
    theirs.load_state_dict(state)


def make_twin(trainer: Any, fused: bool = False) -> tuple[Any, Any]:
    """The PyTorch twin of `trainer`'s model (same initial weights) and its optimiser; `fused`
    builds a recurrent model on PyTorch's fused nn.RNN / nn.LSTM / nn.GRU instead of cells
    looped over t."""
    c, s = trainer.config, trainer.settings
    if fused and c.model not in FUSED_TWINS:
        raise ValueError(f"a fused twin exists for the {', '.join(FUSED_TWINS)} only, not "
                         f"{c.model}")
    import torch

    twin = _modules()[f"{c.model}-fused" if fused else c.model](c)
    copy_weights(trainer.model, twin, fused)
    if s.optimizer == "sgd":
        opt = torch.optim.SGD(twin.parameters(), lr=s.lr, momentum=s.momentum,
                              weight_decay=s.weight_decay)
    else:
        opt = torch.optim.AdamW(twin.parameters(), lr=s.lr, betas=s.betas, eps=1e-8,
                                weight_decay=s.weight_decay)
    return twin, opt


def twin_step(twin: Any, opt: Any, x: np.ndarray, y: np.ndarray, clip: float = 0.0) -> float:
    """One training step of the twin on (x, y); returns the loss."""
    import torch

    logits = twin(torch.from_numpy(x))
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                             torch.from_numpy(y).reshape(-1), ignore_index=IGNORE)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if clip:
        torch.nn.utils.clip_grad_norm_(twin.parameters(), clip)
    opt.step()
    return float(loss.detach())


def train_reference(trainer: Any, threads: int = 1) -> dict[str, Any]:
    """Train the PyTorch twin of `trainer` (not yet run) for `trainer.settings.steps` steps."""
    import torch

    torch.set_num_threads(threads)
    c, s = trainer.config, trainer.settings
    if (c.model == "rnn" and c.nonlinearity != "tanh") or (c.model == "transformer" and (
            c.positions != "learned" or c.tied or c.dropout)):
        raise ValueError("the PyTorch twin covers tanh RNNs and learned-position, untied, "
                         "dropout-free Transformers")
    model, opt = make_twin(trainer)
    batches = Batches(trainer.corpus, "train", c.block_size, trainer.model.window,
                      np.random.default_rng(s.seed))
    losses = []
    start = time.perf_counter()
    for step in range(s.steps):
        for group in opt.param_groups:
            group["lr"] = trainer.schedule(step)
        x, y = batches.sample(s.batch_size)
        losses.append(twin_step(model, opt, x, y, s.grad_clip))
    seconds = time.perf_counter() - start
    return {"model": model, "losses": losses, "seconds": seconds}


def evaluate_reference(model: Any, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> float:
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            xb, yb = torch.from_numpy(x[i:i + batch_size]), torch.from_numpy(y[i:i + batch_size])
            logits = model(xb)
            n = int((yb != IGNORE).sum())
            if n:
                loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                         yb.reshape(-1), ignore_index=IGNORE)
                total += float(loss) * n
                count += n
    return total / max(count, 1)


def crosscheck(data_path: str = "../shared/data/names.txt") -> list[tuple[str, float, float]]:
    """For each quality task's model on names: the largest difference between backproplab's and
    PyTorch's logits, and the largest relative difference between their gradients, for one
    batch from identical weights."""
    import torch

    from benchmarks.quality import TASKS
    from models.base import ModelConfig
    from models.train import DataSettings, Trainer, TrainSettings

    rows = []
    for task_name in ("names-mlp", "names-cnn", "names-rnn", "names-transformer", "names-bigram",
                      "names-lstm", "names-gru"):
        task = TASKS[task_name]
        data = DataSettings(path=data_path, **task.data)
        corpus = data.load()
        config = ModelConfig(vocab_size=len(corpus.vocab), seed=42, **task.model)
        trainer = Trainer(config, TrainSettings(seed=42, **task.train), data, corpus)
        twin = _modules()[config.model](config)
        copy_weights(trainer.model, twin)
        x, y = trainer.batches.sample(32)
        ours = trainer.model(x)
        F = torch.nn.functional
        theirs = twin(torch.from_numpy(x))
        F.cross_entropy(theirs.reshape(-1, theirs.shape[-1]), torch.from_numpy(y).reshape(-1),
                        ignore_index=IGNORE).backward()
        trainer.model.loss(x, y).backward()
        forward = float(np.abs(ours.data - theirs.detach().numpy()).max())
        params = dict(twin.named_parameters())
        worst = 0.0
        for name, p in trainer.model.named_parameters():
            grad = params[_torch_name(name)].grad.numpy()
            if grad.ndim == 2 and not name.endswith(_TABLES):
                grad = grad.T
            worst = max(worst, float(np.abs(grad - p.grad).max() / (np.abs(grad).max() + 1e-30)))
        rows.append((config.model, forward, worst))
    return rows


if __name__ == "__main__":
    import sys

    for model_name, forward, backward in crosscheck(*sys.argv[1:]):
        print(f"{model_name:<12} max |logits difference| {forward:.2e}   "
              f"max relative gradient difference {backward:.2e}")
