"""Gradients through time in the recurrent models: ‖∂L/∂h_t‖ for every t (and ‖∂L/∂c_t‖ for the
LSTM's cell state), and the per-step contributions ∂J/∂W_h|(i) whose sum is ∂J/∂W_h (the
lecture's identity).

The loss is read at the last step only, so ‖∂L/∂h_t‖ shows how far back its error signal
reaches: it shrinks by about ‖W_hᵀ diag(f'(·))‖ per step — vanishing for small recurrent
weights or saturating sigmoids, exploding for large recurrent weights. Clipping bounds the
update, not the per-step signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograd import F, optim
from autograd.core.value import Value
from autograd.tools.trace import Trace, contributions, trace_backward
from models.base import ModelConfig
from models.recurrent import RecurrentLanguageModel
from models.registry import build
from models.rnn import RNNLanguageModel


@dataclass
class TimeFlow:
    label: str
    state_norms: list[float]           # ‖∂L/∂h_t‖, t = 1..T
    shares: list[np.ndarray]           # ∂J/∂W_h|(i), i = 1..T (in time order)
    total: np.ndarray                  # W_h.grad
    clipped_norm: float                # ‖∂J/∂θ‖ after clip_grad_norm_(…, 1.0)
    norm: float                        # ‖∂J/∂θ‖ before
    cell_norms: list[float] | None = None   # ‖∂L/∂c_t‖, the LSTM's cell state


def _norm(trace: Trace, value: Value) -> float:
    grad = trace.grad(value)
    return float(np.linalg.norm(grad)) if grad is not None else 0.0


def through_time(model: RecurrentLanguageModel, idx: np.ndarray, targets: np.ndarray,
                 label: str = "") -> TimeFlow:
    """Backpropagate the last step's loss; record ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) and W_h's per-step
    shares."""
    model.zero_grad()
    logits, _, states = model.forward_with_state(idx)
    loss = F.cross_entropy(logits[:, -1], targets[:, -1])
    trace = trace_backward(loss)
    norms = [_norm(trace, state[0]) for state in states]
    cells = [_norm(trace, state[1]) for state in states] if len(states[0]) > 1 else None
    weight = model.recurrent_weight()
    shares = contributions(trace, weight)[::-1]   # the trace runs back in time
    total = np.array(weight.grad)
    norm = optim.clip_grad_norm_(model.parameters(), 1.0)
    clipped = float(np.sqrt(sum(np.sum(p.grad.astype(np.float64) ** 2)
                                for p in model.parameters() if p.grad is not None)))
    return TimeFlow(label, norms, shares, total, clipped, norm, cells)


def demo_flows(steps: int = 24, seed: int = 0) -> list[TimeFlow]:
    """The same sequence through four RNNs: vanishing (tanh, small W_h; sigmoid) and
    exploding (large W_h), the last with its update clipped."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 10, (1, steps))
    targets = rng.integers(0, 10, (1, steps))
    flows = []
    for label, nonlinearity, scale in (("tanh, W_h × 0.5", "tanh", 0.5),
                                       ("sigmoid, W_h × 1", "sigmoid", 1.0),
                                       ("tanh, W_h × 1.5 (clipped to 1)", "tanh", 1.5)):
        config = ModelConfig(model="rnn", vocab_size=10, block_size=steps, n_embd=8, n_hidden=16,
                             nonlinearity=nonlinearity, seed=seed)
        model = RNNLanguageModel(config)
        model.astype(np.float64)
        q, _ = np.linalg.qr(np.random.default_rng(seed + 1).standard_normal((16, 16)))
        model.recurrent.weight.data = scale * q     # orthogonal: every direction scaled alike
        model.embedding.weight.data *= 0.1           # small inputs keep tanh near its linear part
        flows.append(through_time(model, idx, targets, label))
    return flows


def plot_flows(flows: list[TimeFlow], path: str | Path | None = None) -> Any:
    """‖∂L/∂h_t‖ through time and the per-step shares of ∂J/∂W_h, one line per flow. Returns the
    matplotlib figure (inline in Jupyter); saves it to `path` if given."""
    from autograd.tools.flow import new_figure, save_figure

    figure = new_figure(figsize=(11, 4.2))
    left, right = figure.subplots(1, 2)
    for flow in flows:
        t = np.arange(1, len(flow.state_norms) + 1)
        left.plot(t, np.maximum(flow.state_norms, 1e-30), marker=".", label=flow.label)
        right.plot(t, [max(float(np.linalg.norm(s)), 1e-30) for s in flow.shares], marker=".",
                   label=f"{flow.label}: ‖∂J/∂W_h‖ {flow.norm:.3g} → clipped {flow.clipped_norm:.3g}")
    left.set(yscale="log", xlabel="time step t", ylabel="‖∂L/∂h_t‖",
             title="error signal of the last step, back through time")
    right.set(yscale="log", xlabel="time step i", ylabel="‖∂J/∂W_h|(i)‖",
              title="per-step contributions to ∂J/∂W_h")
    left.legend(fontsize=8)
    right.legend(fontsize=7)
    if path is not None:
        save_figure(figure, path)
    return figure


def compare_cells(steps: int = 24, seed: int = 0) -> list[TimeFlow]:
    """The same sequence and last-step loss through an Elman RNN, an LSTM and a GRU of one size
    (float64, each at its default initialisation): how far back each one's error signal
    reaches."""
    rng = np.random.default_rng(seed)
    idx, targets = rng.integers(0, 10, (1, steps)), rng.integers(0, 10, (1, steps))
    flows = []
    for name, label in (("rnn", "Elman RNN (tanh)"), ("lstm", "LSTM"), ("gru", "GRU")):
        config = ModelConfig(model=name, vocab_size=10, block_size=steps, n_embd=8, n_hidden=16,
                             seed=seed)
        model = build(config)
        assert isinstance(model, RecurrentLanguageModel)
        model.astype(np.float64)
        flows.append(through_time(model, idx, targets, label))
    return flows


def plot_cells(flows: list[TimeFlow], path: str | Path | None = None) -> Any:
    """‖∂L/∂h_t‖ through time for each cell, side by side on one log scale (and ‖∂L/∂c_t‖ for
    the LSTM). Returns the matplotlib figure; saves it to `path` if given."""
    from autograd.tools.flow import new_figure, save_figure

    figure = new_figure(figsize=(12, 4))
    panels = figure.subplots(1, len(flows), sharey=True)
    for panel, flow in zip(panels, flows):
        t = np.arange(1, len(flow.state_norms) + 1)
        panel.plot(t, np.maximum(flow.state_norms, 1e-30), marker=".", label="‖∂L/∂h_t‖")
        if flow.cell_norms is not None:   # c_T has no reader after it: t < T only
            panel.plot(t[:-1], np.maximum(flow.cell_norms[:-1], 1e-30), marker=".",
                       linestyle="--", label="‖∂L/∂c_t‖ along the cell state (via step t + 1)")
        panel.set(yscale="log", xlabel="time step t", title=flow.label)
        panel.legend(fontsize=8)
    panels[0].set(ylabel="gradient norm of the last step's loss")
    figure.suptitle("how far back the error signal reaches: the same sequence through three cells")
    if path is not None:
        save_figure(figure, path)
    return figure
