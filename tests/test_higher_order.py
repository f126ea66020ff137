"""Gradients of gradients and the functional API, each against central differences in float64:
`autograd.grad`, `backward(create_graph=True)`, backward from several roots, `jacobian`,
`hessian`, `hvp`, `vjp`, multi-output Functions and forward's marks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Function, Scalar, Tensor, gradcheck, gradgradcheck
from autograd import functional as AF
from tests.gate_cases import values


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """∂f/∂x by central differences (f takes and x is a float64 array)."""
    out = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        out[index] = (f(plus) - f(minus)) / (2 * eps)
    return out


def numerical_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    y = np.asarray(f(x))
    out = np.zeros((*y.shape, *x.shape))
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        out[(Ellipsis, *index)] = (np.asarray(f(plus)) - np.asarray(f(minus))) / (2 * eps)
    return out


def f_tensor(t: Tensor) -> Tensor:
    """A smooth function with branches, products, reductions and a softmax."""
    return (autograd.F.softmax(t * t.sin(), axis=-1) * t).sum() + (t.tanh() ** 3).mean()


def f_numpy(x: np.ndarray) -> float:
    z = x * np.sin(x)
    p = np.exp(z - z.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return float((p * x).sum() + (np.tanh(x) ** 3).mean())


def f_gradient_numpy(x: np.ndarray) -> np.ndarray:
    return numerical_gradient(f_numpy, x, 1e-5)


def t64(x: np.ndarray) -> Tensor:
    return Tensor(x, requires_grad=True, dtype=np.float64)



@given(data=st.data())
def test_grad_matches_central_differences_and_leaves_grad_alone(data: st.DataObject) -> None:
    x = values(data.draw, (2, 3))
    t = t64(x.copy())
    (g,) = autograd.grad(f_tensor(t), t)
    np.testing.assert_allclose(g.data, numerical_gradient(f_numpy, x), rtol=1e-6, atol=1e-8)
    assert t.grad is None and g.grad_fn is None


@given(data=st.data())
def test_hessian_matches_central_differences_of_the_gradient(data: st.DataObject) -> None:
    x = values(data.draw, (2, 2))
    hessian = AF.hessian(f_tensor, t64(x.copy()))
    assert hessian.shape == (2, 2, 2, 2)
    expected = numerical_jacobian(lambda v: numerical_gradient(f_numpy, v, 1e-5), x, 1e-4)
    np.testing.assert_allclose(hessian.data, expected, rtol=1e-4, atol=1e-6)
    flat = hessian.data.reshape(4, 4)
    np.testing.assert_allclose(flat, flat.T, atol=1e-12)   # a Hessian is symmetric


@given(data=st.data())
def test_hvp_equals_the_hessian_times_v_without_forming_it(data: st.DataObject) -> None:
    x, v = values(data.draw, (3,)), values(data.draw, (3,))
    output, product = AF.hvp(f_tensor, t64(x.copy()), v)
    expected = numerical_jacobian(lambda u: numerical_gradient(f_numpy, u, 1e-5), x, 1e-4) @ v
    np.testing.assert_allclose(product.data, expected, rtol=1e-4, atol=1e-6)
    assert output.item() == pytest.approx(f_numpy(x)) and output.grad_fn is None


def test_jacobian_and_vjp_match_central_differences() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3))
    w = rng.standard_normal((3, 4))

    def forward(t: Tensor) -> Tensor:
        return (t @ Tensor(w, dtype=np.float64)).tanh()

    jacobian = AF.jacobian(forward, t64(x.copy()))
    expected = numerical_jacobian(lambda v: np.tanh(v @ w), x)
    assert jacobian.shape == (2, 4, 2, 3)
    np.testing.assert_allclose(jacobian.data, expected, rtol=1e-6, atol=1e-9)
    v = rng.standard_normal((2, 4))
    _, product = AF.vjp(forward, t64(x.copy()), v)
    np.testing.assert_allclose(product.data, np.tensordot(v, expected, axes=2), rtol=1e-6)


def test_jacobian_of_several_inputs_and_an_unused_one() -> None:
    a, b, c = (t64(np.arange(1.0, 3.0) + k) for k in range(3))
    ja, jb, jc = AF.jacobian(lambda p, q, r: p * q, (a, b, c))
    np.testing.assert_allclose(ja.data, np.diag(b.data))
    np.testing.assert_allclose(jb.data, np.diag(a.data))
    np.testing.assert_array_equal(jc.data, np.zeros((2, 2)))


def test_create_graph_keeps_grad_as_a_tensor_with_a_graph() -> None:
    """The gradient penalty: L = Σ (∂f/∂x)², its gradient by a second pass."""
    x = values_fixed((2, 3))
    t = t64(x.copy())
    f_tensor(t).backward(create_graph=True)
    assert isinstance(t.grad, Tensor) and t.grad.grad_fn is not None
    np.testing.assert_allclose(t.grad.data, numerical_gradient(f_numpy, x), rtol=1e-6, atol=1e-8)
    penalty = (t.grad * t.grad).sum()
    t.grad = None
    penalty.backward()
    expected = numerical_gradient(lambda v: float((f_gradient_numpy(v) ** 2).sum()), x, 1e-4)
    np.testing.assert_allclose(t.grad, expected, rtol=1e-4, atol=1e-6)


def values_fixed(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(7).uniform(-2, 2, shape)


def test_third_derivative_of_a_scalar_polynomial() -> None:
    """Scalars too: f = x⁴ + sin x at x = 0.7, differentiated three times."""
    x = Scalar(0.7)
    f = x ** 4 + x.sin()
    (d1,) = autograd.grad(f, x, create_graph=True)
    (d2,) = autograd.grad(d1, x, create_graph=True)
    (d3,) = autograd.grad(d2, x)
    assert d1.data == pytest.approx(4 * 0.7 ** 3 + np.cos(0.7), rel=1e-12)
    assert d2.data == pytest.approx(12 * 0.7 ** 2 - np.sin(0.7), rel=1e-12)
    assert d3.data == pytest.approx(24 * 0.7 - np.cos(0.7), rel=1e-12)
    assert x.grad == 0.0   # grad() touched no .grad


def test_backward_from_several_roots_sums_them() -> None:
    x = values_fixed((3,))
    a, b = t64(x.copy()), t64(x.copy())
    y1, y2 = (a * a).sum(), a.sin()
    autograd.backward([y1, y2], [None, np.array([1.0, 2.0, 3.0])])
    ((b * b).sum() + (b.sin() * Tensor(np.array([1.0, 2.0, 3.0]))).sum()).backward()
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-14)
    with pytest.raises(ValueError, match="backward: 2 outputs but 1 gradients"):
        autograd.backward([(a * 2).sum(), (a * 3).sum()], [None])


def test_grad_of_a_non_leaf_and_unused_inputs() -> None:
    x = t64(np.array([1.0, 2.0]))
    h = x * 3
    y = (h * h).sum()
    gh, gx = autograd.grad(y, [h, x])
    np.testing.assert_allclose(gh.data, 2 * h.data)
    np.testing.assert_allclose(gx.data, 18 * x.data)
    unused = t64(np.zeros(2))
    with pytest.raises(RuntimeError, match="input 0 was not used"):
        autograd.grad((x * 2).sum(), unused)
    assert autograd.grad((x * 2).sum(), [unused], allow_unused=True) == (None,)


def test_create_graph_retains_the_graph_by_default() -> None:
    x = t64(np.array([0.5]))
    y = (x.exp() * x).sum()
    autograd.grad(y, x, create_graph=True)
    autograd.grad(y, x)          # the first pass kept the graph, as PyTorch's default does
    with pytest.raises(RuntimeError, match="already freed"):
        autograd.grad(y, x)


def test_a_gate_without_a_recorded_backward_says_so() -> None:
    class Twice(Function):
        """z = 2x;  ∂z/∂x = 2"""

        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad

    x = t64(np.ones(2))
    with pytest.raises(RuntimeError, match="Twice: create_graph=True needs"):
        Twice.apply(x).sum().backward(create_graph=True)


class SinCos(Function):
    """(s, c) = (sin x, cos x);  ∂L/∂x = g_s·cos x − g_c·sin x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x), np.cos(x)

    @staticmethod
    def backward(ctx, grad_s, grad_c):
        (x,) = ctx.saved_tensors
        return grad_s * np.cos(x) - grad_c * np.sin(x)

    @staticmethod
    def composition(x):
        return x.sin(), x.cos()


def test_a_function_with_two_outputs_gets_one_gradient_each() -> None:
    x = values_fixed((4,))

    def both(t: Tensor) -> Tensor:
        s, c = SinCos.apply(t)
        return s * c * 3 + s

    assert gradcheck(both, [t64(x.copy())])
    assert gradgradcheck(both, [t64(x.copy())])
    only_sine = t64(x.copy())
    SinCos.apply(only_sine)[0].sum().backward()   # the cosine got no gradient: zeros
    np.testing.assert_allclose(only_sine.grad, np.cos(x))


def test_mark_non_differentiable_and_mark_dirty() -> None:
    class SortWithOrder(Function):
        """z = sorted x, with the order;  ∂L/∂x[order[i]] = ∂L/∂z[i]"""

        @staticmethod
        def forward(ctx, x):
            ctx.order = np.argsort(x)
            ctx.mark_non_differentiable(ctx.order)
            return x[ctx.order], ctx.order

        @staticmethod
        def backward(ctx, grad, _):
            out = np.zeros_like(grad)
            out[ctx.order] = grad
            return out

    x = t64(np.array([3.0, 1.0, 2.0]))
    z, order = SortWithOrder.apply(x)
    assert z.requires_grad and not order.requires_grad
    (z * Tensor(np.array([1.0, 10.0, 100.0]))).sum().backward()
    np.testing.assert_array_equal(x.grad, [100.0, 1.0, 10.0])

    class AddOneInPlace(Function):
        """x ← x + 1;  ∂z/∂x = 1"""

        @staticmethod
        def forward(ctx, x):
            x += 1
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="AddOneInPlace: forward changed input 0 in place"):
        AddOneInPlace.apply(x)
    h = x * 2
    y = (h * h).sum()           # Multiply saved h
    AddOneInPlace.apply(h)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_an_optimizer_steps_on_the_numbers_of_a_recorded_gradient() -> None:
    """After backward(create_graph=True) `.grad` is a Tensor; SGD, Adam and clipping use its
    numbers and leave the weights arrays (not Tensors)."""
    from autograd import Linear, optim

    for make in (lambda ps: optim.SGD(ps, 0.1, momentum=0.9, weight_decay=0.01),
                 lambda ps: optim.AdamW(ps, 0.1)):
        layer = Linear(3, 2, rng=np.random.default_rng(0))
        plain = Linear(3, 2, rng=np.random.default_rng(0))
        x = Tensor(np.ones((4, 3), dtype=np.float32))
        for model, graph in ((layer, True), (plain, False)):
            (model(x).tanh() ** 2).sum().backward(create_graph=graph)
            optim.clip_grad_norm_(model.parameters(), 0.5)
            make(list(model.parameters())).step()
        assert isinstance(layer.weight.grad, Tensor)
        assert isinstance(layer.weight.data, np.ndarray)
        np.testing.assert_allclose(layer.weight.data, plain.weight.data, rtol=1e-6)


def test_error_paths_of_the_higher_order_api_name_the_call_and_what_was_wrong() -> None:
    x = t64(np.ones(3))
    frozen = Tensor(np.ones(3), dtype=np.float64)
    with pytest.raises(RuntimeError, match="grad: input 0 is not a value that requires grad"):
        autograd.grad((x * 2).sum(), frozen)
    with pytest.raises(TypeError, match="functional: input 1 is a float, not a Scalar or Tensor"):
        AF.jacobian(lambda a, b: a * b, [x, 2.0])
    with pytest.raises(TypeError, match="jacobian: a Scalar input needs a one-number output"):
        AF.jacobian(lambda s: Tensor(np.ones(2), dtype=np.float64) * 1.0, Scalar(1.0))
    with pytest.raises(ValueError, match=r"hessian: func must return one number, got shape \(3,\)"):
        AF.hessian(lambda t: t * t, x)
    with pytest.raises(ValueError, match="hvp: 1 inputs but 2 directions v"):
        AF.hvp(lambda a: (a * a).sum(), (x,), (np.ones(3), np.ones(3)))
    with pytest.raises(ValueError, match=r"hvp: v of shape \(2,\) for an input of shape \(3,\)"):
        AF.hvp(lambda t: (t * t).sum(), x, np.ones(2))
    with pytest.raises(ValueError, match="gradgradcheck: no input's gradient depends on anything"):
        captured = t64(np.ones(3))   # the output depends on it, but it is not an input
        gradgradcheck(lambda t: captured * 2.0, [x])
