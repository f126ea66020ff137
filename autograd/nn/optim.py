"""Optimisers (SGD with momentum, Adam, AdamW, RMSprop, Adagrad), gradient clipping and
learning-rate schedules.

Every update changes parameters in place and bumps their version (`bump_version`), so a graph
that saved a parameter's old values refuses a later backward instead of giving a wrong
gradient. Each optimiser keeps its state as arrays (`state_dict`) for checkpoints.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd.core.grad_mode import no_grad
from autograd.core.value import data_of
from autograd.core.versions import bump_version
from autograd.tensor import Tensor


class Optimizer:
    """Holds the parameters and a learning rate `lr` that a schedule may change between steps."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: no parameters to optimise")
        self.lr = lr
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        raise NotImplementedError

    def _buffers(self) -> dict[str, list[np.ndarray]]:
        """Per-parameter state arrays, by name (momentum, moments)."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"lr": self.lr, "steps": self.steps}
        for name, arrays in self._buffers().items():
            for index, array in enumerate(arrays):
                state[f"{name}.{index}"] = array.copy()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore lr, the step count and every buffer; each must be there, of the right shape
        and finite, and nothing else may be."""
        where = f"{type(self).__name__}.load_state_dict"
        buffers = {f"{name}.{index}": array for name, arrays in self._buffers().items()
                   for index, array in enumerate(arrays)}
        unexpected = sorted(set(state) - set(buffers) - {"lr", "steps"})
        missing = sorted({"lr", "steps", *buffers} - set(state))
        if missing or unexpected:
            raise ValueError(f"{where}: missing {missing or 'nothing'}, unexpected "
                             f"{unexpected or 'nothing'}")
        lr, steps = np.asarray(state["lr"]), np.asarray(state["steps"])
        if lr.shape or lr.dtype.kind not in "fiu" or not np.isfinite(lr) or lr < 0:
            raise ValueError(f"{where}: lr must be a finite number ≥ 0, not {state['lr']!r}")
        if steps.shape or steps.dtype.kind not in "iu" or steps < 0:
            raise ValueError(f"{where}: steps must be an integer ≥ 0, not {state['steps']!r}")
        for key, array in buffers.items():
            saved = np.asarray(state[key])
            if saved.shape != array.shape:
                raise ValueError(f"{where}: {key} has shape {saved.shape}, parameter {array.shape}")
            if saved.dtype.kind != "f" or not np.isfinite(saved).all():
                raise ValueError(f"{where}: {key} must hold finite floating-point numbers")
        self.lr, self.steps = float(lr), int(steps)
        for key, array in buffers.items():
            array[...] = state[key]


class SGD(Optimizer):
    """Gradient descent with momentum, as the lecture writes it:

        Δw(n) = −η·∂E/∂w + β·Δw(n−1),   w ← w + Δw(n)

    With a constant η this is PyTorch's SGD(momentum=β). `weight_decay` λ adds λ·w to ∂E/∂w
    (L2 regularisation).
    """

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum, self.weight_decay = momentum, weight_decay
        self.deltas = [np.zeros_like(p.data) for p in self.params] if momentum else []

    def _buffers(self) -> dict[str, list[np.ndarray]]:
        return {"delta": self.deltas}

    @no_grad()
    def step(self) -> None:
        self.steps += 1
        for index, p in enumerate(self.params):
            if p.grad is None:
                continue
            grad = data_of(p.grad)   # an array (a recorded gradient's numbers, after create_graph)
            if self.weight_decay:
                grad = grad + self.weight_decay * p.data
            if not self.momentum:
                p.data -= self.lr * grad
            else:
                delta = self.deltas[index]
                delta *= self.momentum
                delta -= self.lr * grad
                p.data += delta
            bump_version(p)


class Adam(Optimizer):
    """Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − η·m̂/(√v̂ + ε) with bias-corrected
    m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). `weight_decay` adds λ·w to g (L2, as PyTorch's Adam)."""

    decoupled = False

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def _buffers(self) -> dict[str, list[np.ndarray]]:
        return {"m": self.m, "v": self.v}

    @no_grad()
    def step(self) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1 ** self.steps)
        v_correction = 1 - beta2 ** self.steps
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            grad = data_of(p.grad)
            if self.weight_decay and self.decoupled:
                p.mul_(1 - self.lr * self.weight_decay)
            elif self.weight_decay:
                grad = grad + self.weight_decay * p.data
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            denominator = np.sqrt(v / v_correction)
            denominator += self.eps
            p.add_(m / denominator, alpha=-step_size)


class AdamW(Adam):
    """Adam with decoupled weight decay: w ← w·(1 − η·λ) before the Adam step (Loshchilov &
    Hutter), PyTorch's AdamW; the default λ is 0.01 as there."""

    decoupled = True

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


class RMSprop(Optimizer):
    """RMSprop, PyTorch's rule and defaults: g ← g + λw (weight_decay λ), v ← αv + (1−α)g²;
    centered: ḡ ← αḡ + (1−α)g and the denominator √(v − ḡ²) + ε, else √v + ε; then
    w ← w − η·g/denominator, or with momentum μ: b ← μb + g/denominator, w ← w − η·b."""

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        super().__init__(params, lr)
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay
        self.momentum, self.centered = momentum, centered
        self.square_avg = [np.zeros_like(p.data) for p in self.params]
        self.grad_avg = [np.zeros_like(p.data) for p in self.params] if centered else []
        self.momentum_buffer = [np.zeros_like(p.data) for p in self.params] if momentum else []

    def _buffers(self) -> dict[str, list[np.ndarray]]:
        return {"square_avg": self.square_avg, "grad_avg": self.grad_avg,
                "momentum_buffer": self.momentum_buffer}

    @no_grad()
    def step(self) -> None:
        self.steps += 1
        alpha = self.alpha
        for index, p in enumerate(self.params):
            if p.grad is None:
                continue
            grad = data_of(p.grad)
            if self.weight_decay:
                grad = grad + self.weight_decay * p.data
            square_avg = self.square_avg[index]
            square_avg *= alpha
            square_avg += (1 - alpha) * grad * grad
            if self.centered:
                grad_avg = self.grad_avg[index]
                grad_avg *= alpha
                grad_avg += (1 - alpha) * grad
                denominator = np.sqrt(square_avg - grad_avg * grad_avg)
            else:
                denominator = np.sqrt(square_avg)
            denominator += self.eps
            if self.momentum:
                buffer = self.momentum_buffer[index]
                buffer *= self.momentum
                buffer += grad / denominator
                p.add_(buffer, alpha=-self.lr)
            else:
                p.add_(grad / denominator, alpha=-self.lr)


class Adagrad(Optimizer):
    """Adagrad, PyTorch's rule and defaults: g ← g + λw (weight_decay λ), s ← s + g² (s starts
    at initial_accumulator_value), w ← w − η_t·g/(√s + ε) with η_t = η/(1 + (t − 1)·lr_decay)
    at the parameter's t-th update (counted per parameter, as PyTorch: a step that finds no
    gradient for it does not count)."""

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:
        super().__init__(params, lr)
        if initial_accumulator_value < 0:
            raise ValueError(f"Adagrad: initial_accumulator_value must be ≥ 0, got "
                             f"{initial_accumulator_value}")
        self.lr_decay, self.weight_decay, self.eps = lr_decay, weight_decay, eps
        self.sum = [np.full_like(p.data, initial_accumulator_value) for p in self.params]
        self.updates = [np.zeros((), dtype=np.float64) for _ in self.params]   # t, per parameter

    def _buffers(self) -> dict[str, list[np.ndarray]]:
        return {"sum": self.sum, "step": self.updates}

    @no_grad()
    def step(self) -> None:
        self.steps += 1
        for p, total, updates in zip(self.params, self.sum, self.updates):
            if p.grad is None:
                continue
            updates += 1
            step_size = self.lr / (1 + (float(updates) - 1) * self.lr_decay)
            grad = data_of(p.grad)
            if self.weight_decay:
                grad = grad + self.weight_decay * p.data
            total += grad * grad
            denominator = np.sqrt(total)
            denominator += self.eps
            p.add_(grad / denominator, alpha=-step_size)


@no_grad()
def clip_grad_norm_(params: Iterable[Tensor], max_norm: float) -> float:
    """Scale all gradients together so that their joint L2 norm is at most `max_norm`.

    Returns the norm before clipping (a gradient explosion shows up here first).
    """
    grads = [data_of(p.grad) for p in params if p.grad is not None]
    # squares summed by BLAS in the gradients' own dtype, as PyTorch does (no float64 copies)
    total = math.sqrt(sum(float(np.dot(g.ravel(), g.ravel())) for g in grads))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total


@no_grad()
def clip_grad_value_(params: Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient entry into [−clip_value, clip_value]."""
    for p in params:
        if p.grad is not None:
            grad = data_of(p.grad)
            np.clip(grad, -clip_value, clip_value, out=grad)


class StepDrops:
    """lr = base_lr, then the given value from each milestone step on, e.g. {100_000: 0.01}."""

    def __init__(self, base_lr: float, drops: dict[int, float]) -> None:
        self.base_lr, self.drops = base_lr, dict(sorted(drops.items()))

    def __call__(self, step: int) -> float:
        lr = self.base_lr
        for milestone, value in self.drops.items():
            if step >= milestone:
                lr = value
        return lr


class WarmupCosine:
    """Linear warm-up from 0 over `warmup` steps, then cosine decay to `min_lr` at `total` steps
    (constant after): lr = min_lr + ½(base − min)(1 + cos(π·progress))."""

    def __init__(self, base_lr: float, warmup: int, total: int, min_lr: float = 0.0) -> None:
        self.base_lr, self.warmup, self.total, self.min_lr = base_lr, warmup, total, min_lr

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return self.base_lr * (step + 1) / self.warmup
        if step >= self.total:
            return self.min_lr
        progress = (step - self.warmup) / max(1, self.total - self.warmup)
        return self.min_lr + 0.5 * (self.base_lr - self.min_lr) * (1 + math.cos(math.pi * progress))
