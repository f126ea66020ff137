"""Name the mistake behind a wrong gradient, in one line, when it is one of the common ones.

Each rule compares the student's gradient s with the expected one e (and, for the rules that
need it, what the gate saw): a flipped sign (s = −e), a factor of 2 (s = 2e or e/2), a
transposed product (s = eᵀ), a missing sum over a broadcast axis (s has the broadcast shape and
sums to e), a missing sum at a branch (repeated rows overwritten instead of added), the softmax
Jacobian's diagonal only (s = g ⊙ z(1 − z)), layer norm without its mean terms (s = ĝ/σ) and
BPTT without the recurrent term (nothing sent back to the previous state; in `composed`, each
step's own share only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd.core.broadcast import sum_to_shape

RTOL, ATOL = 1e-5, 1e-7


def close(a: Any, b: Any) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


@dataclass
class Probe:
    """What a gate saw and sent: its inputs (raw), output, the upstream gradient, and per input
    the student's and the expected gradient."""

    args: tuple[Any, ...]
    output: Any
    upstream: Any
    position: int
    student: Any
    expected: Any
    extra: dict[str, Any] = field(default_factory=dict)


Rule = Callable[[Probe], "str | None"]


def _nonzero(e: Any) -> bool:
    return bool(np.any(np.abs(np.asarray(e, dtype=np.float64)) > ATOL))


def flipped_sign(p: Probe) -> str | None:
    return "flipped sign: your gradient is the negative of the right one" if (
        _nonzero(p.expected) and close(p.student, -np.asarray(p.expected))) else None


def factor_of_two(p: Probe) -> str | None:
    if not _nonzero(p.expected):
        return None
    e = np.asarray(p.expected, dtype=np.float64)
    if close(p.student, 2 * e):
        return "factor of 2: your gradient is twice the right one"
    if close(p.student, e / 2):
        return "factor of 2: your gradient is half the right one"
    return None


def transposed(p: Probe) -> str | None:
    s, e = np.asarray(p.student), np.asarray(p.expected)
    # a non-square result in the transposed shape says it even when the numbers are all 0
    telling = _nonzero(e) or s.shape != e.shape
    if s.ndim == 2 and s.shape == e.T.shape and telling and not close(s, e) and close(s.T, e):
        return "transposed product: your gradient is the transpose of the right one (check which " \
            "factor is transposed, and the order of the product)"
    return None


def missing_broadcast_sum(p: Probe) -> str | None:
    s, e = np.asarray(p.student, dtype=np.float64), np.asarray(p.expected, dtype=np.float64)
    if s.shape == e.shape:
        return None
    try:
        summed = sum_to_shape(s, e.shape)
    except ValueError:
        return None
    if close(summed, e):
        return (f"missing sum over a broadcast axis: your gradient has the broadcast shape "
                f"{s.shape}; sum it back to the input's shape {e.shape}")
    return None


GENERIC: tuple[Rule, ...] = (flipped_sign, factor_of_two, transposed, missing_broadcast_sum)


def diagnose(probe: Probe, specific: tuple[Rule, ...] = ()) -> str | None:
    """The first rule that recognises the mistake, or None."""
    for rule in (*specific, *GENERIC):
        try:
            found = rule(probe)
        except (ValueError, TypeError, IndexError):   # a rule that does not apply to these shapes
            found = None
        if found:
            return found
    return None


# --- rules for one exercise each ------------------------------------------------------------
def softmax_diagonal_only(p: Probe) -> str | None:
    z, g = np.asarray(p.output, dtype=np.float64), np.asarray(p.upstream, dtype=np.float64)
    scale = p.args[2] if len(p.args) > 2 and isinstance(p.args[2], float) else 1.0
    if p.position == 0 and not close(p.student, p.expected) and close(p.student, scale * g * z * (1 - z)):
        return "softmax Jacobian's diagonal only: ∂zᵢ/∂xⱼ = zᵢ(δᵢⱼ − zⱼ) has off-diagonal terms " \
            "−zᵢzⱼ too (∂L/∂x = z ⊙ (g − Σⱼ gⱼzⱼ))"
    return None


def layer_norm_without_means(p: Probe) -> str | None:
    if p.position != 0:
        return None
    x, w = (np.asarray(a, dtype=np.float64) for a in p.args[:2])
    centred = x - x.mean(axis=-1, keepdims=True)
    inv_std = 1 / np.sqrt((centred**2).mean(axis=-1, keepdims=True) + 1e-5)
    g_hat = np.asarray(p.upstream) * w
    candidates = (g_hat * inv_std, (g_hat - g_hat.mean(axis=-1, keepdims=True)) * inv_std)
    if any(close(p.student, c) for c in candidates):
        return "layer norm without its mean terms: μ and σ depend on every xᵢ, so ∂L/∂x = " \
            "(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))/σ"
    return None


def overwritten_rows(p: Probe) -> str | None:
    if p.position != 0:
        return None
    weight, indices = np.asarray(p.args[0]), np.asarray(p.args[1])
    last_wins = np.zeros_like(weight, dtype=np.float64)
    last_wins[indices.reshape(-1)] = np.asarray(p.upstream).reshape(indices.size, -1)
    if np.unique(indices).size < indices.size and close(p.student, last_wins):
        return "missing sum at a branch: a row read at several positions must get the sum of " \
            "their gradients (np.add.at), not the last one"
    return None


def recurrent_term_missing(p: Probe) -> str | None:
    """An RNN cell (x, h_prev, …) that sends nothing back to the previous state."""
    if p.position == 1 and _nonzero(p.expected) and not _nonzero(p.student):
        return "BPTT without the recurrent term: ∂L/∂h_prev = (g ⊙ ∂h/∂pre-activation)·W_hᵀ " \
            "carries the gradient back to the previous time step"
    return None
