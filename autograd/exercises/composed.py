"""The composed exercises: small networks built from the student's gates (the same numbers for
the student and the reference), and the hand derivations checked against the engine.

- neuron: E = BCE(σ(x·w), t); Δw = η Σₙ (tₙ − oₙ)xₙ against −η·∂E/∂w from the engine;
- attention: one causal head, out = MaskedSoftmax(q·kᵀ, mask, 1/√d)·v;
- rnn: the student's cell unrolled over T steps; `bptt` by hand against the engine's BPTT
  (and truncated BPTT: the state detached at the start of every chunk);
- mlp_lm: Bengio's MLP LM from the student's gates, trained beside the library's.
"""

from __future__ import annotations

import math
from functools import partial
from types import ModuleType
from typing import Any

import numpy as np

from autograd.core.grad_mode import no_grad, time_step
from autograd.core.value import Value
from autograd.exercises.cases import causal_mask
from autograd.exercises.diagnose import Probe, close, diagnose
from autograd.exercises.grading import Failed, run_student
from autograd.tensor import Tensor

# the lecture's single example (autograd/examples/sigmoid_ce.py): x₀ = 1 is the bias input
LECTURE_X, LECTURE_W, LECTURE_T, LECTURE_RATE = [1.0, 0.5, -1.5], [0.2, -0.4, 0.3], 1.0, 0.5


def leaf(data: Any, name: str) -> Tensor:
    return Tensor(np.array(data, dtype=np.float64), requires_grad=True, name=name)


def constant(data: Any, name: str | None = None) -> Tensor:
    return Tensor(np.array(data, dtype=np.float64), name=name)


def named(value: Any, name: str) -> Any:
    value.name = name
    return value


# --- neuron ---------------------------------------------------------------------------------
def neuron(module: ModuleType) -> Value:
    """E = BCE(σ(x·w), t) for a batch of 4 examples of 3 inputs (x₀ = 1: the bias)."""
    rng = np.random.default_rng(11)
    x = np.concatenate([np.ones((4, 1)), rng.uniform(-2, 2, (4, 2))], axis=1)
    net = named(constant(x, "x") @ leaf(rng.uniform(-1, 1, 3), "w"), "net")
    o = named(module.Sigmoid.apply(net), "o")
    return named(module.BinaryCrossEntropy.apply(o, np.array([1.0, 0.0, 1.0, 0.0])), "E")


def _engine_delta_w(x: np.ndarray, w: np.ndarray, t: np.ndarray, eta: float) -> tuple[Any, Any]:
    """(−η·∂E/∂w, o) by the library's gates."""
    weights = leaf(w, "w")
    o = (constant(x) @ weights).sigmoid()
    target = constant(t)
    (-(target * o.log() + (1 - target) * (1 - o).log()).sum()).backward()
    return -eta * np.asarray(weights.grad), o.data


def check_delta_w(module: ModuleType) -> None:
    """The lecture's example, then a batch of 5: the student's Δw against the engine's."""
    rng = np.random.default_rng(5)
    batches = [("the lecture's example", np.array([LECTURE_X]), np.array(LECTURE_W),
                np.array([LECTURE_T]), LECTURE_RATE),
               ("a batch of 5", rng.uniform(-2, 2, (5, 3)), rng.uniform(-1, 1, 3),
                np.array([1.0, 0.0, 0.0, 1.0, 1.0]), 0.1)]
    for source, x, w, t, eta in batches:
        expected, o = _engine_delta_w(x, w, t, eta)
        got = run_student(partial(module.delta_w, x.copy(), t.copy(), o.copy(), eta), "delta_w")
        got = np.asarray(got, dtype=np.float64)
        if not close(got, expected):
            hint = diagnose(Probe((x, t, o, eta), None, None, 0, got, expected))
            raise Failed(f"{source}: Δw is {np.round(got, 5).tolist()}, expected (−η·∂E/∂w from "
                         f"the engine) {np.round(expected, 5).tolist()}" + (f" — {hint}" if hint else ""))


# --- attention ------------------------------------------------------------------------------
def attention_head(module: ModuleType) -> Value:
    """One causal head over 4 positions of width 3; L = Σ out ⊙ r for a fixed r."""
    rng = np.random.default_rng(13)
    length, width = 4, 3
    x = constant(rng.uniform(-1, 1, (length, width)), "x")
    q, k, v = (named(x @ leaf(rng.uniform(-1, 1, (width, width)), f"W_{n}"), n) for n in "qkv")
    scores = named(q @ k.T, "scores")
    weights = named(module.MaskedSoftmax.apply(scores, causal_mask(length), 1 / math.sqrt(width)),
                    "A")
    out = named(weights @ v, "out")
    return named((out * constant(rng.uniform(-1, 1, (length, width)))).sum(), "L")


# --- rnn ------------------------------------------------------------------------------------
def rnn_cell_reference(x: Any, h_prev: Any, w_x: Any, w_h: Any, b: Any) -> Any:
    return (x @ w_x + h_prev @ w_h + b).tanh()


def _rnn_data(seed: int = 17) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    steps, batch, d_in, hidden = 4, 2, 3, 3
    return {"xs": rng.uniform(-1, 1, (steps, batch, d_in)), "h0": rng.uniform(-0.5, 0.5, (batch, hidden)),
            "w_x": rng.uniform(-1, 1, (d_in, hidden)), "w_h": rng.uniform(-1, 1, (hidden, hidden)),
            "b": rng.uniform(-0.5, 0.5, hidden), "r": rng.uniform(-1, 1, (steps, batch, hidden))}


def unrolled_rnn(module: ModuleType) -> Value:
    """The student's cell over 4 steps; L = Σₜ hₜ ⊙ rₜ. Time steps are grouped (t1 … t4)."""
    data = _rnn_data()
    w_x, w_h, b = leaf(data["w_x"], "W_x"), leaf(data["w_h"], "W_h"), leaf(data["b"], "b")
    h: Value = constant(data["h0"], "h0")
    loss: Value | None = None
    for t, x in enumerate(data["xs"], start=1):
        with time_step(t):
            h = named(module.RNNCell.apply(constant(x, f"x{t}"), h, w_x, w_h, b), f"h{t}")
            term = (h * constant(data["r"][t - 1])).sum()
        loss = term if loss is None else loss + term
    assert loss is not None
    return named(loss, "L")


def engine_bptt(data: dict[str, np.ndarray], grads_h: np.ndarray,
                truncate: int | None) -> tuple[np.ndarray, ...]:
    """(∂L/∂W_x, ∂L/∂W_h, ∂L/∂b) by the engine, L = Σₜ hₜ ⊙ grads_h[t], the state detached at
    each chunk's start when truncated."""
    w_x, w_h, b = leaf(data["w_x"], "W_x"), leaf(data["w_h"], "W_h"), leaf(data["b"], "b")
    h: Any = constant(data["h0"])
    loss: Any = 0.0
    for t, x in enumerate(data["xs"]):
        if truncate and t and t % truncate == 0:
            h = h.detach()
        h = rnn_cell_reference(constant(x), h, w_x, w_h, b)
        loss = loss + (h * constant(grads_h[t])).sum()
    loss.backward()
    return tuple(np.asarray(p.grad) for p in (w_x, w_h, b))


def _states(data: dict[str, np.ndarray]) -> np.ndarray:
    h, states = data["h0"], []
    for x in data["xs"]:
        h = np.tanh(x @ data["w_x"] + h @ data["w_h"] + data["b"])
        states.append(h)
    return np.array(states)


def check_bptt(module: ModuleType, truncate: int | None) -> None:
    data = _rnn_data(19)
    hs, grads_h = _states(data), data["r"]
    expected = engine_bptt(data, grads_h, truncate)
    got = run_student(lambda: module.bptt(data["xs"].copy(), hs.copy(), data["h0"].copy(),
                                          data["w_h"].copy(), grads_h.copy(), truncate=truncate),
                      "bptt")
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise Failed("bptt must return three arrays (dW_x, dW_h, db)")
    for name, mine, right, position in zip(("W_x", "W_h", "b"), got, expected, range(3)):
        mine = np.asarray(mine, dtype=np.float64)
        if not close(mine, right):
            hint = _bptt_hint(data, grads_h, truncate, position, mine) or diagnose(
                Probe((), None, None, position, mine, right))
            what = "truncated in chunks of 2, " if truncate else ""
            raise Failed(f"{what}∂L/∂{name} differs from the engine's BPTT: yours "
                         f"{_brief(mine)}, expected {_brief(right)}" + (f" — {hint}" if hint else ""))


def _bptt_hint(data: dict[str, np.ndarray], grads_h: np.ndarray, truncate: int | None,
               position: int, mine: np.ndarray) -> str | None:
    if close(mine, engine_bptt(data, grads_h, 1)[position]) and truncate != 1:
        return "BPTT without the recurrent term: ∂L/∂hₜ also receives what step t + 1 sends back " \
            "through W_h, not only the loss's own ∂L/∂hₜ"
    if truncate and close(mine, engine_bptt(data, grads_h, None)[position]):
        return "truncation ignored: this is the full BPTT gradient; stop the recurrent term at " \
            "each chunk's first step"
    return None


def _brief(x: np.ndarray) -> str:
    return " ".join(np.array2string(np.asarray(x), precision=4, separator=", ", threshold=12,
                                    max_line_width=10**6).split())


# --- mlp_lm ---------------------------------------------------------------------------------
VOCAB, CONTEXT, WIDTH, HIDDEN, BATCH, STEPS, RATE = 8, 3, 4, 12, 16, 200, 0.5


def _corpus() -> tuple[np.ndarray, np.ndarray]:
    """A token stream with a rule to learn (mostly the sum of the two tokens three and one back),
    cut into (context, next token) windows."""
    rng = np.random.default_rng(23)
    tokens = list(rng.integers(0, VOCAB, CONTEXT))
    for _ in range(600):
        noisy = rng.random() < 0.1
        tokens.append(int(rng.integers(0, VOCAB)) if noisy else (tokens[-1] + tokens[-3]) % VOCAB)
    stream = np.array(tokens)
    windows = np.lib.stride_tricks.sliding_window_view(stream, CONTEXT + 1)
    return windows[:, :CONTEXT].copy(), windows[:, CONTEXT].copy()


def _parameters() -> list[Tensor]:
    rng = np.random.default_rng(29)
    shapes = [(VOCAB, WIDTH), (CONTEXT * WIDTH, HIDDEN), (HIDDEN,), (HIDDEN, VOCAB), (VOCAB,)]
    names = ["C", "W1", "b1", "W2", "b2"]
    return [leaf(rng.normal(0, 0.5, s) if len(s) == 2 else np.zeros(s), n) for s, n in zip(shapes, names)]


def mlp_step(module: ModuleType) -> Value:
    """One batch's loss of the MLP LM built by the module's `mlp_loss` with its gates."""
    contexts, targets = _corpus()
    rows = np.random.default_rng(31).integers(0, len(targets), BATCH)
    loss = module.mlp_loss(_parameters(), contexts[rows], targets[rows], module.gates)
    return named(loss, "loss")


def train(module: ModuleType) -> list[float]:
    """STEPS steps of SGD on the same batches; the loss at every step."""
    contexts, targets = _corpus()
    rng = np.random.default_rng(37)
    params = _parameters()
    losses = []
    for _ in range(STEPS):
        rows = rng.integers(0, len(targets), BATCH)
        loss = module.mlp_loss(params, contexts[rows], targets[rows], module.gates)
        loss.backward()
        losses.append(float(np.asarray(loss.data)))
        with no_grad():
            for p in params:
                p -= RATE * p.grad
                p.grad = None
    return losses


def check_training(module: ModuleType) -> None:
    from autograd.exercises.catalogue import reference_module
    from autograd.exercises.loader import attach_gates

    reference = attach_gates(reference_module("mlp_lm"), None)
    expected = train(reference)
    got = run_student(lambda: train(module), "training with your gates")
    for step, (mine, right) in enumerate(zip(got, expected), start=1):
        if not math.isclose(mine, right, rel_tol=1e-6, abs_tol=1e-9):
            raise Failed(f"step {step}: your model's loss is {mine:.6g}, with the library's gates "
                         f"{right:.6g} (same batches, same start)")
    if not got[-1] < 0.8 * got[0]:
        raise Failed(f"the loss did not fall: {got[0]:.4g} → {got[-1]:.4g} in {STEPS} steps")
