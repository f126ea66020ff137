"""The operations added for PyTorch's users (issue 18): values against numpy and hand-written
references, PyTorch's conventions at kinks and jumps, exact tails, Scalar and Tensor agreeing,
2-D convolution and pooling against plain loops, RMSprop and Adagrad against their update rules,
and bad arguments named. (Each gate's first and second derivatives are property-tested through
tests/gate_cases.py.)"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograd import (
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    F,
    Linear,
    MaxPool2d,
    Module,
    Scalar,
    Sequential,
    Tensor,
    grad,
    gradcheck,
    optim,
)


def leaf(data: Any, dtype: Any = np.float64) -> Tensor:
    return Tensor(np.array(data, dtype=dtype), requires_grad=True)   # a copy: steps change it


def gradient(fn: Callable[[Tensor], Tensor], data: Any, dtype: Any = np.float64) -> np.ndarray:
    x = leaf(data, dtype)
    fn(x).sum().backward()
    return x.grad


# --- elementwise: values, Scalar = Tensor, PyTorch's conventions -----------------------------
UNARY = ["tan", "sinh", "cosh", "asin", "acos", "atan", "sign", "floor", "ceil", "round", "trunc",
         "square", "reciprocal", "rsqrt", "log2", "log10", "exp2"]
NUMPY = {"asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "reciprocal": np.reciprocal,
         "rsqrt": lambda x: 1 / np.sqrt(x)}


@pytest.mark.parametrize("name", UNARY)
def test_unary_values_match_numpy_and_scalars_match_tensors(name: str) -> None:
    points = [0.3, 0.75, 0.5, 2.5] if name not in ("asin", "acos") else [0.3, -0.6, 0.5, 0.9]
    reference = NUMPY[name] if name in NUMPY else getattr(np, name)
    t = leaf(points)
    out = getattr(t, name)()
    np.testing.assert_allclose(out.data, reference(np.array(points)), rtol=1e-15)
    out.sum().backward()
    for k, point in enumerate(points):
        s = Scalar(point)
        value = getattr(s, name)()
        value.backward()
        assert value.data == out.data[k] and s.grad == t.grad[k], (name, point)


@pytest.mark.parametrize("name", ["atan2", "logaddexp", "fmod", "remainder"])
def test_binary_scalars_match_tensors_with_numbers_on_either_side(name: str) -> None:
    a, b = leaf([2.5, -2.5, 0.7]), leaf([-0.75, 0.75, 2.0])
    out = getattr(a, name)(b)
    out.sum().backward()
    for k in range(3):
        x, y = Scalar(float(a.data[k])), Scalar(float(b.data[k]))
        z = getattr(x, name)(y)
        z.backward()
        assert (z.data, x.grad, y.grad) == (out.data[k], a.grad[k], b.grad[k])
    assert getattr(Scalar(2.5), name)(-0.75).data == out.data[0]   # a number is lifted
    assert (7.5 % Scalar(2.0)).data == 1.5 and (-7.5 % Tensor([2.0])).data[0] == 0.5


def test_exact_values_and_pytorch_conventions() -> None:
    assert leaf([8.0, 1000.0]).log2().data.tolist() == [3.0, math.log2(1000.0)]
    assert leaf([1000.0]).log10().data.tolist() == [3.0]
    assert leaf([10.0]).exp2().data.tolist() == [1024.0]
    assert Tensor([0.5, 1.5, 2.5, -2.5]).round().data.tolist() == [0.0, 2.0, 2.0, -2.0]
    assert Tensor([1.2345]).round(decimals=2).data.tolist() == [np.float32(1.23)]
    # fmod takes the sign of the dividend (C), remainder that of the divisor (Python's %)
    assert Tensor([-7.0, 7.0]).fmod(3.0).data.tolist() == [math.fmod(-7, 3), math.fmod(7, 3)]
    assert (Tensor([-7.0, 7.0]) % -3.0).data.tolist() == [-7 % -3, 7 % -3]
    assert Tensor([1.0, -1.0, -1.0]).atan2(Tensor([-1.0, -1.0, 1.0])).data.tolist() == \
        pytest.approx([3 * math.pi / 4, -3 * math.pi / 4, -math.pi / 4])
    assert Tensor([1e4]).logaddexp(1e4).data.tolist() == [np.float32(1e4 + math.log(2))]
    start = leaf([1.0, 2.0])
    assert start.lerp(Tensor([3.0, 6.0]), 0.25).data.tolist() == [1.5, 3.0]


def test_step_functions_have_zero_gradient_even_at_their_jumps() -> None:
    jumps = [0.0, 1.0, -2.0, 0.5, 2.5]
    for name in ("sign", "floor", "ceil", "round", "trunc"):
        assert gradient(lambda t, n=name: getattr(t, n)(), jumps).tolist() == [0.0] * 5, name


def test_fmod_and_remainder_gradients_follow_pytorch() -> None:
    # ∂/∂x = 1, ∂/∂y = −trunc(x/y) for fmod and −floor(x/y) for remainder
    x, y = leaf([7.0, -7.0]), leaf([2.0, 2.0])
    gx, gy = grad(x.fmod(y).sum(), [x, y])
    assert gx.data.tolist() == [1.0, 1.0] and gy.data.tolist() == [-3.0, 3.0]
    gx, gy = grad((x % y).sum(), [x, y])
    assert gx.data.tolist() == [1.0, 1.0] and gy.data.tolist() == [-3.0, 4.0]


def test_inverse_trig_is_infinite_at_the_ends_and_nan_outside_as_pytorch() -> None:
    with np.errstate(divide="ignore", invalid="ignore"):
        assert gradient(lambda t: t.asin(), [1.0]).tolist() == [math.inf]
        assert gradient(lambda t: t.acos(), [-1.0]).tolist() == [-math.inf]
        assert math.isnan(Tensor([1.5]).asin().data[0])


# --- activations ------------------------------------------------------------------------------
def test_activations_match_their_formulas() -> None:
    x = np.linspace(-7, 7, 57)
    sig = 1 / (1 + np.exp(-x))
    softplus = np.log1p(np.exp(x))
    expected = {
        "softplus": softplus, "leaky_relu": np.where(x > 0, x, 0.01 * x),
        "relu6": np.clip(x, 0, 6), "silu": x * sig, "hardswish": x * np.clip(x + 3, 0, 6) / 6,
        "mish": x * np.tanh(softplus), "logsigmoid": np.log(sig),
    }
    for name, reference in expected.items():
        np.testing.assert_allclose(getattr(F, name)(Tensor(x)).data, reference, rtol=1e-12,
                                   atol=1e-15, err_msg=name)
    np.testing.assert_allclose(F.softplus(Tensor(x), beta=2.0, threshold=4.0).data,
                               np.where(2 * x > 4, x, np.log1p(np.exp(2 * x)) / 2), rtol=1e-12)


def test_silu_and_mish_compositions_gradcheck() -> None:
    x = leaf(np.linspace(-4, 4, 9) + 0.01)
    assert gradcheck(F.silu, [x]) and gradcheck(F.mish, [x])


def test_activation_gradients_at_the_kinks_are_pytorchs() -> None:
    assert gradient(F.relu6, [0.0, 6.0, 3.0]).tolist() == [0.0, 0.0, 1.0]
    assert gradient(F.hardswish, [-3.0, 3.0, -4.0, 4.0]).tolist() == [-0.5, 1.5, 0.0, 1.0]
    assert gradient(lambda t: F.leaky_relu(t, 0.2), [0.0, -1.0, 1.0]).tolist() == [0.2, 0.2, 1.0]
    assert gradient(lambda t: F.softplus(t, threshold=1.0), [2.0]).tolist() == [1.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsigmoid_and_softplus_are_exact_in_both_tails(dtype: Any) -> None:
    """Against extended-precision math: the values and gradients keep their relative precision
    out to |x| = 10⁴ and down to the denormals (where ln σ(x) in float32 gives ∞ gradients).
    softplus without its switch to the line (threshold=∞), which PyTorch makes at βx > 20."""
    x = np.concatenate([-np.geomspace(1, 1e4, 40), np.geomspace(1, 1e4, 40)]).astype(dtype)
    exact = x.astype(np.longdouble)
    tiny, eps = np.finfo(dtype).smallest_subnormal, np.finfo(dtype).eps
    cases = {lambda t: F.logsigmoid(t): (-np.logaddexp(0, -exact), np.exp(-np.logaddexp(0, exact))),
             lambda t: F.softplus(t, threshold=np.inf): (np.logaddexp(0, exact),
                                                         np.exp(-np.logaddexp(0, -exact)))}
    for fn, (value, slope) in cases.items():
        t = Tensor(x, requires_grad=True)
        out = fn(t)
        out.sum().backward()
        assert out.dtype == dtype and np.isfinite(t.grad).all()
        assert np.all(np.abs(out.data - value) <= 4 * eps * np.abs(value) + tiny)
        assert np.all(np.abs(t.grad - slope) <= 4 * eps * slope + tiny)


# --- reductions and scans ---------------------------------------------------------------------
def test_logsumexp_never_overflows_and_keeps_minus_infinity() -> None:
    x = np.array([[1000.0, 1000.0, -np.inf], [-np.inf, -np.inf, -np.inf]])
    out = Tensor(x).logsumexp(axis=1)
    assert out.data[0] == 1000.0 + math.log(2) and out.data[1] == -math.inf
    rows = np.random.default_rng(0).standard_normal((3, 4))
    np.testing.assert_allclose(F.logsumexp(Tensor(rows), axis=(0, 1), keepdims=True).data,
                               np.log(np.exp(rows).sum(keepdims=True)), rtol=1e-14)
    g = gradient(lambda t: t.logsumexp(axis=-1), rows)
    np.testing.assert_allclose(g, np.exp(rows) / np.exp(rows).sum(-1, keepdims=True), rtol=1e-14)


def test_cumsum_and_cumprod_values_and_cumprods_gradient_at_several_zeros() -> None:
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    assert Tensor(x).cumsum(0).data.tolist() == np.cumsum(x).tolist()
    assert F.cumprod(Tensor(x), -1).data.tolist() == np.cumprod(x).tolist()
    weights = np.array([1.0, -2.0, 0.5, 3.0, 1.5])
    # ∂/∂xᵢ of Σⱼ wⱼ·Πₖ≤ⱼ xₖ, term by term: no division, so exact at zeros
    expected = [sum(weights[j] * math.prod(x[k] for k in range(j + 1) if k != i)
                    for j in range(i, 5)) for i in range(5)]
    assert gradient(lambda t: t.cumprod(0) * Tensor(weights), x).tolist() == expected
    for scan in ("cumsum", "cumprod", "logsumexp"):   # along an empty axis
        assert gradient(lambda t, s=scan: getattr(t, s)(1), np.ones((2, 0))).shape == (2, 0)


def test_all_and_any_are_boolean_and_not_differentiable() -> None:
    t = leaf([[1.0, 0.0], [2.0, 3.0]])
    assert t.all().data.tolist() is False and t.any().data.tolist() is True
    assert t.all(axis=1).data.tolist() == [False, True]
    assert t.any(axis=0, keepdims=True).shape == (1, 2) and not t.any().requires_grad


# --- 2-D convolution, pooling, batch norm ----------------------------------------------------
def conv2d_by_loops(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: tuple[int, int],
                    padding: tuple[int, int], dilation: tuple[int, int]) -> np.ndarray:
    x = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    (kh, kw), (sh, sw), (dh, dw) = w.shape[2:], stride, dilation
    oh = (x.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (x.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for n, o, i, j in np.ndindex(out.shape):
        window = x[n, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
        out[n, o, i, j] = np.sum(window * w[o]) + b[o]
    return out


def test_conv2d_matches_plain_loops() -> None:
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    for stride, padding, dilation in [((1, 1), (0, 0), (1, 1)), ((2, 1), (1, 2), (1, 2)),
                                      ((3, 2), (0, 1), (2, 1)), ((3, 2), (0, 0), (1, 1))]:
        got = F.conv2d(Tensor(x), Tensor(w), Tensor(b), stride, padding, dilation).data
        np.testing.assert_allclose(got, conv2d_by_loops(x, w, b, stride, padding, dilation),
                                   rtol=1e-12, atol=1e-12)
    layer = Conv2d(3, 4, (3, 2), stride=2, padding=1, rng=rng)
    assert layer(Tensor(x.astype(np.float32))).shape == (2, 4, 4, 4)
    assert layer.weight.shape == (4, 3, 3, 2) and layer.weight.dtype == np.float32


def test_pools_match_plain_loops_and_max_sends_ties_to_the_first() -> None:
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 6))
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    expected = np.empty((2, 3, 3, 3))
    for n, c, i, j in np.ndindex(expected.shape):
        expected[n, c, i, j] = padded[n, c, 2 * i:2 * i + 3, 2 * j:2 * j + 3].max()
    np.testing.assert_array_equal(F.max_pool2d(Tensor(x), 3, 2, 1).data, expected)
    summed = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for n, c, i, j in np.ndindex(expected.shape):
        expected[n, c, i, j] = summed[n, c, 2 * i:2 * i + 3, 2 * j:2 * j + 3].sum() / 9
    np.testing.assert_allclose(AvgPool2d(3, 2, 1)(Tensor(x)).data, expected, rtol=1e-14)
    tied = np.ones((1, 1, 2, 2))
    assert gradient(MaxPool2d(2), tied).tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]
    assert gradient(lambda t: F.avg_pool2d(t, 2), tied).tolist() == [[[[0.25, 0.25], [0.25, 0.25]]]]


def test_batchnorm2d_normalises_each_channel_over_batch_and_space() -> None:
    x = np.random.default_rng(3).standard_normal((4, 2, 3, 5)) * 3 + 1
    layer = BatchNorm2d(2, dtype=np.float64)
    out = layer(Tensor(x)).data
    mean, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-10, atol=1e-12)
    count = 4 * 3 * 5
    np.testing.assert_allclose(layer.running_var.data,
                               0.9 + 0.1 * var.reshape(-1) * count / (count - 1), rtol=1e-12)
    layer.eval()
    np.testing.assert_allclose(layer(Tensor(x)).data,
                               (x - layer.running_mean.data.reshape(1, 2, 1, 1))
                               / np.sqrt(layer.running_var.data.reshape(1, 2, 1, 1) + 1e-5))


# --- optimisers against numpy references of PyTorch's update rules ---------------------------
def rmsprop_reference(w: np.ndarray, c: np.ndarray, steps: int, lr: float, alpha: float,
                      eps: float, weight_decay: float, momentum: float,
                      centered: bool) -> list[np.ndarray]:
    v, g_avg, buf, seen = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w), []
    for _ in range(steps):
        g = 2 * c * w + weight_decay * w
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            denominator = np.sqrt(v - g_avg * g_avg) + eps
        else:
            denominator = np.sqrt(v) + eps
        if momentum:
            buf = momentum * buf + g / denominator
            w = w - lr * buf
        else:
            w = w - lr * g / denominator
        seen.append(w)
    return seen


def adagrad_reference(w: np.ndarray, c: np.ndarray, steps: int, lr: float, lr_decay: float,
                      weight_decay: float, initial: float, eps: float) -> list[np.ndarray]:
    total, seen = np.full_like(w, initial), []
    for t in range(1, steps + 1):
        g = 2 * c * w + weight_decay * w
        total = total + g * g
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(total) + eps)
        seen.append(w)
    return seen


def descend(opt: optim.Optimizer, p: Tensor, c: np.ndarray, steps: int) -> list[np.ndarray]:
    seen = []
    for _ in range(steps):
        opt.zero_grad()
        (p * p * Tensor(c)).sum().backward()     # E = Σ cᵢwᵢ², ∂E/∂wᵢ = 2cᵢwᵢ
        opt.step()
        seen.append(p.data.copy())
    return seen


W0, C = np.array([1.0, -2.0, 0.5]), np.array([1.0, 0.5, 3.0])


@pytest.mark.parametrize("options", [
    {}, {"lr": 0.05, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1, "momentum": 0.8,
         "centered": True}, {"momentum": 0.5}])
def test_rmsprop_follows_pytorchs_rule(options: dict[str, Any]) -> None:
    settings = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0,
                "centered": False, **options}   # PyTorch's defaults, then the case's
    p = leaf(W0)
    got = descend(optim.RMSprop([p], **options), p, C, 4)
    for mine, reference in zip(got, rmsprop_reference(W0, C, 4, **settings)):
        np.testing.assert_allclose(mine, reference, rtol=1e-13)


@pytest.mark.parametrize("options", [
    {}, {"lr": 0.1, "lr_decay": 0.5, "weight_decay": 0.2, "initial_accumulator_value": 0.3,
         "eps": 1e-6}])
def test_adagrad_follows_pytorchs_rule(options: dict[str, Any]) -> None:
    settings = {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0, "initial": 0.0, "eps": 1e-10}
    settings.update({("initial" if k == "initial_accumulator_value" else k): v
                     for k, v in options.items()})
    p = leaf(W0)
    got = descend(optim.Adagrad([p], **options), p, C, 4)
    for mine, reference in zip(got, adagrad_reference(W0, C, 4, **settings)):
        np.testing.assert_allclose(mine, reference, rtol=1e-13)


def test_adagrad_counts_each_parameters_own_updates_for_lr_decay() -> None:
    """A parameter without a gradient at a step is not updated and its t does not move (as
    PyTorch's per-parameter state step)."""
    p, q = leaf(W0), leaf(W0)
    opt = optim.Adagrad([p, q], lr=0.1, lr_decay=0.5)
    for k in range(3):
        opt.zero_grad()
        loss = (p * p * Tensor(C)).sum() + ((q * q * Tensor(C)).sum() if k != 1 else 0.0)
        loss.backward()
        opt.step()
    np.testing.assert_allclose(p.data, adagrad_reference(W0, C, 3, 0.1, 0.5, 0.0, 0.0, 1e-10)[-1],
                               rtol=1e-13)
    np.testing.assert_allclose(q.data, adagrad_reference(W0, C, 2, 0.1, 0.5, 0.0, 0.0, 1e-10)[-1],
                               rtol=1e-13)


@pytest.mark.parametrize("make", [
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True),
    lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.1)])
def test_rmsprop_and_adagrad_state_round_trips_and_refuses_what_does_not_fit(make: Any) -> None:
    p = leaf(W0)
    opt = make([p])
    descend(opt, p, C, 2)
    q = leaf(p.data.copy())
    other = make([q])
    other.load_state_dict(opt.state_dict())
    np.testing.assert_array_equal(descend(other, q, C, 2), descend(opt, p, C, 2))
    state = opt.state_dict()
    key = next(k for k in state if k.endswith(".0"))
    with pytest.raises(ValueError, match=rf"{type(opt).__name__}.load_state_dict: missing "
                                         rf"\['{key}'\]"):
        make([leaf(W0)]).load_state_dict({k: v for k, v in state.items() if k != key})
    with pytest.raises(ValueError, match=rf"{key} has shape \(2,\), parameter \(3,\)"):
        make([leaf(W0)]).load_state_dict({**state, key: np.zeros(2)})


# --- bad arguments: one line naming the operation and what was wrong -------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: Conv2d(3, 4, 3)(Tensor(np.ones((1, 2, 5, 5)))),
     r"conv2d: input \(N, C, H, W\) \(1, 2, 5, 5\) and weight \(C_out, C_in, KH, KW\) "
     r"\(4, 3, 3, 3\) do not match"),
    (lambda: F.conv2d(Tensor(np.ones((1, 1, 2, 2))), Tensor(np.ones((1, 1, 3, 3)))),
     r"conv2d: input size \(2, 2\) \(\+2·\(0, 0\) padding\) is shorter than the kernel's span"),
    (lambda: F.conv2d(Tensor(np.ones((1, 1, 4, 4))), Tensor(np.ones((1, 1, 3, 3))), stride=0),
     r"conv2d: stride \(0, 0\) and dilation \(1, 1\) must be ≥ 1"),
    (lambda: F.conv2d(Tensor(np.ones((1, 1, 4, 4))), Tensor(np.ones((1, 1, 3, 3))),
                      padding=(1, 2, 3)), r"conv2d: padding must be an int or a pair of ints"),
    (lambda: Conv2d(3, 4, (0, 2)), r"Conv2d: in_channels 3, out_channels 4 and kernel_size \(0, 2\) "
                                   r"must be ≥ 1"),
    (lambda: F.max_pool2d(Tensor(np.ones((1, 1, 4, 4))), 2, padding=2),
     r"max_pool2d: padding \(2, 2\) must be at most half of the window's span \(2, 2\)"),
    (lambda: F.avg_pool2d(Tensor(np.ones((4, 4))), 2), r"avg_pool2d: input must be \(N, C, H, W\)"),
    (lambda: BatchNorm2d(3)(Tensor(np.ones((2, 3, 4)))),
     r"BatchNorm2d: expected \(N, 3, H, W\), got \(2, 3, 4\)"),
    (lambda: F.softplus(Tensor([1.0]), beta=0), r"softplus: beta must be > 0"),
    (lambda: Tensor([1.0, 2.0]).cumsum(1), r"cumsum: axis 1 is out of range"),
    (lambda: Tensor([1.0, 2.0]).logsumexp(axis=2), r"logsumexp: axis 2 is out of range"),
    (lambda: optim.Adagrad([leaf(W0)], initial_accumulator_value=-1),
     r"Adagrad: initial_accumulator_value must be ≥ 0"),
])
def test_bad_arguments_are_named(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


class Flatten(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], -1)


class Relu(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


def test_a_small_2d_cnn_learns_a_fixed_batch() -> None:
    """Conv2d → BatchNorm2d → ReLU → MaxPool2d → AvgPool2d → Linear, trained with RMSprop: the
    pieces compose, and the loss on one batch falls."""
    rng = np.random.default_rng(4)
    net = Sequential(Conv2d(1, 4, 3, padding=1, rng=rng), BatchNorm2d(4), Relu(), MaxPool2d(2),
                     AvgPool2d(2), Flatten(), Linear(4 * 2 * 2, 3, rng=rng))
    images = Tensor(rng.standard_normal((12, 1, 8, 8)).astype(np.float32))
    labels = rng.integers(0, 3, 12)
    opt = optim.RMSprop(net.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = F.cross_entropy(net(images), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
