"""gradcheck itself: it passes right gates and catches wrong ones, saying where."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Context, Function, GradcheckError, Scalar, Tensor, gradcheck


class WrongMultiply(Function):
    """z = x·y with a deliberately wrong backward for x (x·grad instead of y·grad)."""

    @staticmethod
    def forward(ctx: Context, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx: Context, grad):
        x, _ = ctx.saved_tensors
        return x * grad, x * grad


def leaf(a, name=None) -> Tensor:
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=True, name=name)


def test_gradcheck_fails_on_a_wrong_gate_naming_input_index_and_values() -> None:
    x, y = leaf([[1.0, 2.0], [3.0, 4.0]], "x"), leaf([[5.0, -6.0], [7.0, 8.0]], "y")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: WrongMultiply.apply(a, b).sum(), [x, y])
    message = str(info.value)
    assert "input 0 ('x')" in message and "shape (2, 2)" in message
    # the worst index is where |x − y| is largest: (0, 1), analytic x = 2, numerical y = −6
    assert "index (0, 1)" in message and "analytic 2," in message and "numerical -6" in message


def test_gradcheck_can_return_false_instead() -> None:
    x, y = leaf([1.0, 2.0]), leaf([3.0, 5.0])
    assert gradcheck(lambda a, b: WrongMultiply.apply(a, b), [x, y], raise_exception=False) is False


def test_gradcheck_fails_on_a_wrong_scalar_gate() -> None:
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda a, b: WrongMultiply.apply(a, b), [Scalar(1.0), Scalar(3.0)])


def test_gradcheck_passes_a_right_gate_and_leaves_grads_alone() -> None:
    x = leaf([1.0, 2.0])
    x.grad = np.array([7.0, 7.0])
    assert gradcheck(lambda a: (a * a).sum(), [x])
    np.testing.assert_array_equal(x.grad, [7.0, 7.0])


def test_gradcheck_wants_float64() -> None:
    with pytest.raises(TypeError, match=r"float32.*float64"):
        gradcheck(lambda a: a.sum(), [Tensor([1.0], requires_grad=True)])


def test_gradcheck_needs_an_input_requiring_grad() -> None:
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda a: a.sum(), [Tensor([1.0], dtype=np.float64)])


def test_gradcheck_checks_non_scalar_outputs_through_a_random_projection() -> None:
    x, y = leaf([1.0, 2.0, 3.0]), leaf([3.0, 5.0, -1.0])
    assert gradcheck(lambda a, b: a * b, [x, y])
    assert not gradcheck(lambda a, b: WrongMultiply.apply(a, b), [x, y], raise_exception=False)
