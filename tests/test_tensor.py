"""Tensor's API, the forward values of the fused gates, and the errors bad input gets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import F, Tensor, no_grad

rng = np.random.default_rng(0)


def leaf(a) -> Tensor:
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


# --- construction and attributes ------------------------------------------------------------
def test_dtypes_follow_pytorch() -> None:
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(1.5).dtype == np.float32
    assert Tensor(np.zeros(2)).dtype == np.float64
    assert Tensor([1, 2]).dtype == np.int64
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="unsupported data"):
        Tensor(["a"])


def test_attributes() -> None:
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = Tensor(array, name="t")
    assert t.numpy() is array   # no copy, like torch.from_numpy
    assert (t.shape, t.ndim, t.size, len(t), t.dtype) == ((2, 3), 2, 6, 2, np.float32)
    assert t.T.shape == (3, 2)
    assert Tensor([4.0]).item() == 4.0
    with pytest.raises(ValueError, match=r"single-element.*\(2, 3\)"):
        t.item()
    assert "name='t'" in repr(t)
    assert "grad_fn=Multiply" in repr(leaf([1.0]) * 2)
    assert (t > 2).dtype == np.bool_ and (t > 2).data.sum() == 3
    assert (t <= 2).data.sum() == 3 and (t < 1).data.sum() == 1 and (t >= 5).data.sum() == 1


def test_number_on_either_side_keeps_float32() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    for y in (x + 1, 1 + x, x * 2.5, 2 / x, 1 - x, x ** 2, 2 ** x, -x):
        assert y.dtype == np.float32


# --- forward values of the fused gates ------------------------------------------------------
def test_softmax_and_log_softmax_values() -> None:
    x = rng.standard_normal((3, 5))
    s = F.softmax(Tensor(x), axis=-1).data
    np.testing.assert_allclose(s, np.exp(x) / np.exp(x).sum(-1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(Tensor(x), axis=0).data,
                               x - np.log(np.exp(x).sum(0, keepdims=True)), rtol=1e-12)
    big = F.softmax(Tensor([1000.0, 1000.0]), axis=0).data   # no overflow
    np.testing.assert_allclose(big, [0.5, 0.5])


def test_softmax_jacobian_is_o_i_delta_ij_minus_o_j() -> None:
    x = leaf([0.2, -1.0, 0.5])
    o = F.softmax(Tensor(x.data)).data
    jacobian = np.zeros((3, 3))
    for i in range(3):
        x.grad = None
        F.softmax(x)[i].backward()
        jacobian[i] = x.grad
    np.testing.assert_allclose(jacobian, np.diag(o) - np.outer(o, o), rtol=1e-12)


def test_cross_entropy_value_matches_the_definition() -> None:
    logits = rng.standard_normal((4, 6))
    targets = np.array([0, 5, 2, 2])
    expected = np.mean([-np.log(np.exp(r[t]) / np.exp(r).sum()) for r, t in zip(logits, targets)])
    assert F.cross_entropy(Tensor(logits), targets).item() == pytest.approx(expected, rel=1e-12)
    ignored = F.cross_entropy(Tensor(logits), np.array([0, -100, 2, -100]), ignore_index=-100)
    partial = np.mean([-np.log(np.exp(logits[i, t]) / np.exp(logits[i]).sum())
                       for i, t in ((0, 0), (2, 2))])
    assert ignored.item() == pytest.approx(partial, rel=1e-12)
    huge = F.cross_entropy(Tensor([[1e4, 0.0]], dtype=np.float32), [1])
    assert huge.item() == pytest.approx(1e4)   # stable: log-sum-exp, no overflow


def test_cross_entropy_gradient_is_observed_minus_target() -> None:
    logits = leaf([[0.3, -0.2, 1.1]])
    F.cross_entropy(logits, [2]).backward()
    p = np.exp(logits.data) / np.exp(logits.data).sum()
    np.testing.assert_allclose(logits.grad, p - np.array([[0, 0, 1]]), rtol=1e-12)


def test_gelu_layer_norm_and_conv1d_values() -> None:
    x = rng.standard_normal((2, 3, 7))
    gelu = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(F.gelu(Tensor(x)).data, gelu, rtol=1e-12)

    w, b = rng.standard_normal(7), rng.standard_normal(7)
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(F.layer_norm(Tensor(x), Tensor(w), Tensor(b)).data,
                               (x - mu) / np.sqrt(var + 1e-5) * w + b, rtol=1e-10)

    weight, bias = rng.standard_normal((4, 3, 2)), rng.standard_normal(4)
    for stride, padding, dilation in ((1, 0, 1), (2, 1, 1), (1, 2, 2)):
        out = F.conv1d(Tensor(x), Tensor(weight), Tensor(bias), stride, padding, dilation).data
        padded = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
        length = (7 + 2 * padding - dilation * (2 - 1) - 1) // stride + 1
        naive = np.zeros((2, 4, length))
        for n in range(2):
            for o in range(4):
                for pos in range(length):
                    taps = padded[n, :, pos * stride: pos * stride + dilation * 2: dilation]
                    naive[n, o, pos] = bias[o] + np.sum(weight[o] * taps)
        np.testing.assert_allclose(out, naive, rtol=1e-10)


def test_dropout_scales_kept_entries_and_is_identity_in_eval() -> None:
    x = Tensor(np.ones(10_000))
    y = F.dropout(x, 0.25, rng=np.random.default_rng(1)).data
    assert set(np.unique(y)) <= {0.0, 1 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.02
    assert F.dropout(x, 0.5, training=False) is x
    with pytest.raises(ValueError, match=r"dropout: p must be in \[0, 1\)"):
        F.dropout(x, 1.0)


def test_repeated_indices_accumulate() -> None:
    table = leaf(np.arange(6.0).reshape(3, 2))
    table[[0, 2, 0, 0]].sum().backward()
    np.testing.assert_array_equal(table.grad, [[3, 3], [0, 0], [1, 1]])
    table.grad = None
    F.embedding(table, np.array([[1, 1], [2, 1]])).sum().backward()
    np.testing.assert_array_equal(table.grad, [[0, 0], [3, 3], [1, 1]])
    table.grad = None
    table[Tensor([-1, 2])].sum().backward()    # a negative index is the same row
    np.testing.assert_array_equal(table.grad, [[0, 0], [0, 0], [2, 2]])


def test_scatter_paths_agree() -> None:
    # the one-hot matmul and the sort-and-reduce paths of the row scatter give the same sums
    from autograd.core import kernels as broadcast

    index = rng.integers(0, 50, size=300)
    rows = rng.standard_normal((300, 4))
    expected = np.zeros((50, 4))
    np.add.at(expected, index, rows)
    np.testing.assert_allclose(broadcast.scatter_add_rows(index, rows, 50), expected, rtol=1e-12)
    limit, broadcast._ONE_HOT_LIMIT = broadcast._ONE_HOT_LIMIT, 0
    try:
        np.testing.assert_allclose(broadcast.scatter_add_rows(index, rows, 50), expected, rtol=1e-12)
    finally:
        broadcast._ONE_HOT_LIMIT = limit


def test_matmul_shapes_follow_numpy() -> None:
    for a, b in (((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((4, 2, 3), (3, 5)),
                 ((1, 2, 3), (6, 3, 2))):
        x, y = rng.standard_normal(a), rng.standard_normal(b)
        assert (Tensor(x) @ Tensor(y)).shape == np.matmul(x, y).shape
    assert (np.ones((2, 3)) @ Tensor(np.ones((3, 1)))).shape == (2, 1)


def test_max_splits_gradient_between_ties() -> None:
    x = leaf([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]])
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [1, 0, 0]])


def test_concat_stack_where_shapes() -> None:
    a, b = leaf(np.ones((2, 3))), leaf(np.zeros((2, 1)))
    assert F.concat([a, b], axis=1).shape == (2, 4)
    assert F.stack([a, a], axis=-1).shape == (2, 3, 2)
    w = F.where(np.array([True, False, True]), a, 0.0)
    np.testing.assert_array_equal(w.data, [[1, 0, 1], [1, 0, 1]])


# --- errors name the operation and what was wrong --------------------------------------------
@pytest.mark.parametrize("make, error, pattern", [
    (lambda: Tensor(np.ones((3, 4))) @ Tensor(np.ones((5, 6))), ValueError,
     r"matmul: \(3, 4\) @ \(5, 6\)"),
    (lambda: leaf(np.ones(3)) + leaf(np.ones(4)), ValueError,
     r"Add on inputs of shape \(3,\) and \(4,\): operands could not be broadcast"),
    (lambda: F.cross_entropy(leaf(np.ones((2, 3))), [0, 3]), IndexError,
     r"cross_entropy: target 3 is out of range for 3 classes"),
    (lambda: F.cross_entropy(leaf(np.ones((2, 3))), [0]), ValueError,
     r"cross_entropy: logits of shape \(2, 3\) need targets of shape \(2,\), got \(1,\)"),
    (lambda: F.cross_entropy(leaf(np.ones((2, 3))), np.array([0.0, 1.0])), TypeError,
     r"cross_entropy: targets must be integer"),
    (lambda: F.embedding(leaf(np.ones((4, 2))), [1, 4]), IndexError,
     r"embedding: index 4 is out of range for a table of 4 rows"),
    (lambda: F.embedding(leaf(np.ones((4, 2))), np.array([1, -1], dtype=np.int32)), IndexError,
     r"embedding: index -1 is out of range for a table of 4 rows"),
    (lambda: F.cross_entropy(leaf(np.ones((2, 3))), [-2, 1], ignore_index=-1), IndexError,
     r"cross_entropy: target -2 is out of range for 3 classes"),
    (lambda: F.masked_softmax(leaf(np.ones((2, 3))), np.ones((2, 2), dtype=bool)), ValueError,
     r"masked_softmax: a mask of shape \(2, 2\) does not broadcast to scores of shape \(2, 3\)"),
    (lambda: F.linear(leaf(np.ones((2, 3))), leaf(np.ones((3, 4))), leaf(np.ones(3))), ValueError,
     r"linear: input \(2, 3\), weight \(3, 4\) and bias \(3,\) do not fit"),
    (lambda: leaf(np.ones(6)).reshape(4, 2), ValueError, r"reshape: cannot reshape \(6,\)"),
    (lambda: leaf(np.ones((2, 3))).sum(axis=2), ValueError, r"sum: axis 2 is out of range"),
    (lambda: leaf(np.ones((2, 3))).transpose(0, 0), ValueError, r"transpose: axes \(0, 0\)"),
    (lambda: leaf(np.ones(3))[5], IndexError, r"index: .*\(array of shape \(3,\)\)"),
    (lambda: F.concat([leaf(np.ones((2, 3))), leaf(np.ones((3, 2)))], axis=0), ValueError,
     r"concat along axis 0: shapes \(2, 3\), \(3, 2\)"),
    (lambda: F.layer_norm(leaf(np.ones((2, 3))), leaf(np.ones(4)), None), ValueError,
     r"layer_norm: weight of shape \(4,\) does not match the last axis of x \(2, 3\)"),
    (lambda: F.conv1d(leaf(np.ones((1, 2, 5))), leaf(np.ones((3, 4, 2)))), ValueError,
     r"conv1d: input \(N, C, L\) \(1, 2, 5\) and weight \(C_out, C_in, K\) \(3, 4, 2\)"),
    (lambda: F.conv1d(leaf(np.ones((1, 2, 2))), leaf(np.ones((3, 2, 5)))), ValueError,
     r"conv1d: input length 2 .* shorter than the kernel's span 5"),
    (lambda: leaf(np.ones((0, 2))).max(), ValueError, r"max: cannot reduce an empty array"),
    (lambda: leaf([1.0]) + "a", TypeError, r"unsupported data"),
])
def test_bad_input_gets_a_clear_error(make, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        make()


def test_errors_are_raised_under_no_grad_too() -> None:
    with no_grad(), pytest.raises(ValueError, match=r"matmul: \(2,\) @ \(3,\)"):
        Tensor([1.0, 2.0]) @ Tensor([1.0, 2.0, 3.0])


def test_masked_softmax_hides_the_future_and_a_fully_masked_row_is_nan() -> None:
    scores = leaf(np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [0.5, 0.5, 0.5]]))
    future = np.triu(np.ones((3, 3), dtype=bool), k=1)
    future[2] = True                      # the last row sees nothing
    weights = F.masked_softmax(scores, future, scale=2.0).data
    np.testing.assert_allclose(weights[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(weights[1], [1 / (1 + np.exp(2.0)), 1 / (1 + np.exp(-2.0)), 0.0])
    assert np.isnan(weights[2]).all()
