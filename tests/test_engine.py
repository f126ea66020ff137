"""The backward pass's semantics, PyTorch's: ordering, branching, accumulation, freeing,
no_grad, detach, hooks, in-place guards, anomaly detection and the user gate API."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import (
    Context,
    Function,
    Scalar,
    Tensor,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    scope,
)
from autograd.gates.elementwise import Multiply


def leaf(values, **kw) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True, **kw)


# --- order and depth ------------------------------------------------------------------------
def test_a_chain_of_100000_operations_backpropagates_without_recursion() -> None:
    x = Scalar(0.5, name="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_a_deep_tensor_chain_backpropagates() -> None:
    x = leaf([1.0, 2.0])
    y = x
    for _ in range(20_000):
        y = y + 0.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_gradients_sum_at_branches() -> None:
    # b = a + a; c = b·b  ⇒  dc/da = 2b · 2 = 8a
    for a in (Scalar(3.0), leaf(3.0)):
        b = a + a
        c = b * b
        c.backward()
        assert float(a.grad) == 24.0


def test_a_value_reused_across_distant_branches_waits_for_all_contributions() -> None:
    # y = x·x + exp(x)·x : dy/dx = 2x + e^x (x + 1)
    x = Scalar(0.7)
    y = x * x + x.exp() * x
    y.backward()
    assert x.grad == pytest.approx(2 * 0.7 + np.exp(0.7) * 1.7, rel=1e-12)


# --- the root ---------------------------------------------------------------------------------
def test_non_scalar_output_needs_an_explicit_grad() -> None:
    x = leaf(np.ones((3, 4)))
    y = x * 2
    with pytest.raises(RuntimeError, match=r"shape \(3, 4\).*grad="):
        y.backward()
    y.backward(grad=np.full((3, 4), 0.5))
    np.testing.assert_array_equal(x.grad, np.ones((3, 4)))


def test_root_grad_of_the_wrong_shape_is_refused() -> None:
    y = leaf(np.ones(3)) * 2
    with pytest.raises(ValueError, match=r"grad of shape \(2,\) for an output of shape \(3,\)"):
        y.backward(np.ones(2))


def test_backward_from_a_value_without_a_graph_is_refused() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0]) * 2).sum().backward()


# --- accumulation -----------------------------------------------------------------------------
def test_leaf_gradients_accumulate_until_reset() -> None:
    x = leaf([1.0, 2.0])
    for expected in (3.0, 6.0):
        (x * 3).sum().backward()
        np.testing.assert_array_equal(x.grad, [expected, expected])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])

    s = Scalar(2.0)
    (s * 3).backward()
    (s * 3).backward()
    assert s.grad == 6.0
    s.grad = None
    (s * 3).backward()
    assert s.grad == 3.0


def test_leaf_grads_never_alias_each_other() -> None:
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad *= 10  # an optimiser scaling one gradient in place must not touch the other
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_only_leaves_keep_tensor_grads_unless_retained() -> None:
    x = leaf([1.0, 2.0])
    hidden = x * 2
    kept = x * 3
    kept.retain_grad()
    (hidden * kept).sum().backward()
    assert hidden.grad is None
    np.testing.assert_array_equal(kept.grad, [2.0, 4.0])
    np.testing.assert_array_equal(x.grad, [12.0, 24.0])


def test_every_scalar_keeps_its_grad() -> None:
    x, y, z = Scalar(-2.0), Scalar(5.0), Scalar(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert (f.grad, q.grad) == (1.0, -4.0)


# --- freeing ----------------------------------------------------------------------------------
def test_second_backward_through_a_freed_graph_raises() -> None:
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"Sum.backward: the graph was already freed.*retain_graph=True"):
        y.backward()


def test_freed_graph_raises_even_for_gates_that_saved_nothing() -> None:
    x = leaf([1.0])
    y = (x + 1).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="already freed"):
        y.backward()


def test_retain_graph_allows_a_second_backward() -> None:
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


def test_scalar_graph_freed_too() -> None:
    x = Scalar(2.0)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="already freed"):
        y.backward()


# --- recording --------------------------------------------------------------------------------
def test_no_grad_records_nothing_as_context_manager_and_decorator() -> None:
    x = leaf([1.0])
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2
        with enable_grad():
            z = x * 2
    assert is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None

    @no_grad()
    def double(t: Tensor) -> Tensor:
        return t * 2

    assert double(x).grad_fn is None
    assert is_grad_enabled()


def test_operations_on_values_needing_no_grad_record_no_graph() -> None:
    y = Tensor([1.0, 2.0]) * Tensor([3.0, 4.0])
    assert y.grad_fn is None and not y.requires_grad
    s = Scalar(1.0, requires_grad=False) * 2
    assert s.grad_fn is None


def test_detach_cuts_the_graph() -> None:
    x = leaf([2.0])
    y = (x * x).detach() * x   # the detached factor is a constant 4
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0])
    assert (x * x).detach().data is not None


def test_integer_tensors_cannot_require_grad() -> None:
    with pytest.raises(TypeError, match=r"only floating-point tensors can require grad \(got int64\)"):
        Tensor([1, 2, 3], requires_grad=True)
    t = Tensor([1, 2, 3])
    with pytest.raises(TypeError, match="int64"):
        t.requires_grad = True


def test_requires_grad_cannot_be_turned_off_on_a_non_leaf() -> None:
    y = leaf([1.0]) * 2
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad = False


# --- hooks ------------------------------------------------------------------------------------
def test_hook_sees_and_may_replace_the_gradient() -> None:
    x = leaf([1.0, 2.0])
    h = x * 3
    seen = []
    h.register_hook(lambda g: seen.append(g.copy()))
    handle = h.register_hook(lambda g: g * 0)   # replaced: nothing flows past h
    (h * h).sum().backward()
    np.testing.assert_array_equal(seen[0], [6.0, 12.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    handle.remove()
    x.grad = None
    (x * 3 * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_hook_on_a_leaf_gets_the_summed_gradient_once() -> None:
    x = leaf([1.0])
    calls = []
    x.register_hook(lambda g: calls.append(float(g[0])))
    (x * 2 + x * 3).sum().backward()
    assert calls == [5.0]


def test_hook_returning_the_wrong_shape_is_refused() -> None:
    x = leaf([1.0, 2.0])
    y = x * 2
    y.register_hook(lambda g: np.ones(3))
    with pytest.raises(ValueError, match=r"hook: a gradient of shape \(3,\).*\(2,\)"):
        y.sum().backward()


# --- in-place changes -------------------------------------------------------------------------
def test_in_place_change_of_a_saved_input_is_caught_by_its_version() -> None:
    w = leaf([1.0, 2.0], name="w")
    x = leaf([3.0, 4.0])
    y = (w * x).sum()
    with no_grad():
        w.add_(np.ones(2))
    saved_and_changed = r"Multiply.backward: an array it saved \(input 'w'.*modified in place"
    with pytest.raises(RuntimeError, match=saved_and_changed):
        y.backward()


def test_in_place_write_into_an_array_a_gate_made_and_saved_fails_at_once() -> None:
    x = leaf([0.1, 0.2])
    s = x.sigmoid()          # Sigmoid saves its own output for backward
    with pytest.raises(ValueError, match="read-only"):
        s.data[0] = 5.0
    with no_grad(), pytest.raises(RuntimeError, match="saved for a pending backward"):
        s.add_(1.0)
    s.sum().backward()
    s.data[0] = 5.0          # after backward freed the graph the array is writable again


class DoubleRows(Function):
    """z = 2x, computed into a larger array whose first rows are returned as a view;
    ∂z/∂x = 2"""

    @staticmethod
    def forward(ctx, x):
        padded = np.zeros((x.shape[0] + 1, *x.shape[1:]), dtype=x.dtype)
        padded[:-1] = 2 * x
        ctx.save_for_backward(padded)
        return padded[:-1]

    @staticmethod
    def backward(ctx, grad):
        (padded,) = ctx.saved_tensors
        assert not padded[-1].any()     # the saved array is as forward left it
        return 2 * grad


def test_a_result_viewing_an_array_the_gate_saved_is_read_only_until_backward() -> None:
    x = leaf([[1.0, 2.0]])
    z = DoubleRows.apply(x)
    with pytest.raises(ValueError, match="read-only"):
        z.data[0, 0] = 5.0
    z.sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 2.0]])
    z.data[0, 0] = 5.0          # writable again once the graph is freed


def test_in_place_on_a_tensor_requiring_grad_needs_no_grad() -> None:
    w = leaf([1.0])
    with pytest.raises(RuntimeError, match="no_grad"):
        w.add_(1.0)
    with no_grad():
        w.add_(1.0, alpha=2.0).mul_(3.0)
    np.testing.assert_array_equal(w.data, [9.0])
    assert w._version > 0


# --- anomaly ----------------------------------------------------------------------------------
def test_detect_anomaly_names_the_gate_that_made_nan() -> None:
    x = leaf([0.0, 1.0], name="x")
    y = x.sqrt().sum()   # d√x/dx is infinite at 0
    named = r"Sqrt.backward returned NaN or Inf.*'x'"
    with detect_anomaly(), np.errstate(divide="ignore"), pytest.raises(FloatingPointError, match=named):
        y.backward()


def test_without_detect_anomaly_inf_flows_through() -> None:
    x = leaf([0.0, 1.0])
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert np.isinf(x.grad[0])


# --- the gate API -----------------------------------------------------------------------------
class ScaleBy(Function):
    """z = x·k for a plain number k;  ∂z/∂x = k"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, k: float, *, shift: float = 0.0) -> np.ndarray:
        ctx.k = k
        ctx.seen_needs = ctx.needs_input_grad
        return x * k + shift

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        return grad * ctx.k   # the gradient for k is left out: trailing Nones may be omitted


def test_non_tensor_arguments_pass_through_and_get_no_gradient() -> None:
    x = leaf([1.0, 2.0])
    y = ScaleBy.apply(x, 3.0, shift=1.0)
    np.testing.assert_array_equal(y.data, [4.0, 7.0])
    assert y.grad_fn.seen_needs == (True, False)
    assert y.grad_fn.inputs == (x,)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_needs_input_grad_reports_which_inputs_want_gradients() -> None:
    seen = []

    class Spy(Multiply):
        @staticmethod
        def backward(ctx: Context, grad: float):
            seen.append(ctx.needs_input_grad)
            return Multiply.backward(ctx, grad)

    a, b = Scalar(2.0), Scalar(3.0, requires_grad=False)
    Spy.apply(a, b).backward()
    assert seen == [(True, False)] and a.grad == 3.0 and b.grad == 0.0


def test_a_node_names_its_gate_inputs_and_saved_values() -> None:
    a, b = Scalar(2.0, name="a"), Scalar(3.0, name="b")
    z = a * b
    node = z.grad_fn
    assert node.function is Multiply and node.name == "Multiply"
    assert node.inputs == (a, b)
    assert node.saved_tensors == (2.0, 3.0)
    assert "Multiply" in repr(node) and "a, b" in repr(node)


def test_backward_may_return_a_list_or_a_single_gradient() -> None:
    class ListMultiply(Function):
        @staticmethod
        def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx: Context, grad: np.ndarray):
            x, y = ctx.saved_tensors
            return [grad * y, grad * x]

    a, b = leaf([2.0]), leaf([3.0])
    ListMultiply.apply(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [3.0])
    np.testing.assert_array_equal(b.grad, [2.0])


def test_too_many_gradients_from_backward_is_an_error() -> None:
    class Bad(Function):
        @staticmethod
        def forward(ctx: Context, x: float) -> float:
            return x

        @staticmethod
        def backward(ctx: Context, grad: float):
            return grad, grad

    with pytest.raises(RuntimeError, match=r"Bad\.backward returned 2 gradients for 1 arguments"):
        Bad.apply(Scalar(1.0)).backward()


def test_gate_returning_an_unbroadcastable_gradient_is_named() -> None:
    class Wrong(Function):
        @staticmethod
        def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
            return x.sum()

        @staticmethod
        def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
            return np.ones(7)

    with pytest.raises(ValueError, match=r"Wrong.backward: a gradient of shape \(7,\).*\(3,\)"):
        Wrong.apply(leaf([1.0, 2.0, 3.0])).backward()


def test_mixing_scalar_and_tensor_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot mix Scalar and Tensor"):
        Multiply.apply(Scalar(1.0), leaf([1.0]))
    with pytest.raises(TypeError, match="Tensor"):
        _ = Scalar(1.0) * leaf([1.0])


def test_scope_tags_nodes_with_a_module_path() -> None:
    x = leaf([1.0])
    with scope("blocks"), scope("0"):
        y = x * 2
    assert y.grad_fn.scope == "blocks.0"
    assert (x * 2).grad_fn.scope == ""


def test_profile_counts_every_gate_and_costs_nothing_outside() -> None:
    from autograd import Function, profile

    plain_apply = Function.__dict__["apply"]
    x = leaf(np.ones((3, 4)))
    with profile() as p:
        y = (x @ Tensor(np.ones((4, 2), dtype=np.float64))).tanh().sum()
        y.backward()
    rows = {name: (fc, bc) for name, fc, _, bc, _ in p.rows()}
    assert rows == {"MatMul": (1, 1), "Tanh": (1, 1), "Sum": (1, 1)}
    assert "MatMul" in str(p) and "share" in str(p)
    assert Function.__dict__["apply"] is plain_apply
    with pytest.raises(RuntimeError, match="already profiling"), profile(), profile():
        pass
    assert Function.__dict__["apply"] is plain_apply


def test_allocator_tuning_can_be_turned_off(monkeypatch) -> None:
    import sys

    from autograd.plumbing import allocator

    monkeypatch.setenv("BACKPROPLAB_KEEP_MALLOC", "1")
    assert allocator.tune() is False
    monkeypatch.delenv("BACKPROPLAB_KEEP_MALLOC")
    assert allocator.tune() is sys.platform.startswith("linux")
