"""Issue 18's operations: each one's values against numpy's own function (the gradients are
checked in tests/gate_cases.py), the conversions, and bad arguments named in one line."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import F, Tensor

X = np.arange(24.0).reshape(2, 3, 4) - 11.5
M = np.arange(12.0).reshape(3, 4) - 5.0


def test_shape_operations_give_numpys_values() -> None:
    x, m = Tensor(X), Tensor(M)
    expected = {
        "flip": (x.flip(0, 2), np.flip(X, (0, 2))),
        "roll": (x.roll((1, -2), (0, 2)), np.roll(X, (1, -2), (0, 2))),
        "roll flat": (x.roll(5), np.roll(X, 5)),
        "tril": (x.tril(-1), np.tril(X, -1)),
        "triu": (x.triu(1), np.triu(X, 1)),
        "diagonal": (x.diagonal(1, 2, 1), np.diagonal(X, 1, 2, 1)),
        "diagonal below": (m.diagonal(-1), np.diagonal(M, -1)),
        "diag of a matrix": (m.diag(2), np.diag(M, 2)),
        "diag of a vector": (m[0].diag(-1), np.diag(M[0], -1)),
        "trace": (m.trace(), np.trace(M)),
        "repeat": (m.repeat(2, 1, 3), np.tile(M, (2, 1, 3))),
        "tile": (x.tile(2), np.tile(X, 2)),
        "ravel": (x.ravel(), X.ravel()),
        "expand": (m[:, :1].expand(2, -1, 5), np.broadcast_to(M[:, :1], (2, 3, 5))),
        "permute": (x.permute(2, 0, 1), np.transpose(X, (2, 0, 1))),
        "outer": (m[0].outer(m[1]), np.outer(M[0], M[1])),
        "maximum": (m.maximum(Tensor(M[::-1].copy())), np.maximum(M, M[::-1])),
        "minimum": (m.minimum(0.5), np.minimum(M, 0.5)),
        "pad": (F.pad(x, (1, 2, 0, -1), value=7.0),
                np.pad(X[:, :2], ((0, 0), (0, 0), (1, 2)), constant_values=7.0)),
        "einsum": (F.einsum("bij,bkj->bik", x, x), np.einsum("bij,bkj->bik", X, X)),
        "einsum implicit": (autograd.einsum("ij,jk", m, m.T), M @ M.T),
        "einsum ellipsis": (F.einsum("...i,i->...", x, [1.0, 2.0, 3.0, 4.0]),
                            X @ np.array([1.0, 2.0, 3.0, 4.0])),
        "tensordot": (autograd.tensordot(x, m, ([1, 2], [0, 1])),
                      np.tensordot(X, M, ([1, 2], [0, 1]))),
    }
    for name, (ours, theirs) in expected.items():
        assert ours.shape == np.shape(theirs), name
        np.testing.assert_allclose(ours.data, theirs, err_msg=name)
    pieces = x.chunk(2, 2)
    assert [p.shape for p in pieces] == [(2, 3, 2), (2, 3, 2)]
    assert [p.shape[1] for p in x.chunk(4, 1)] == [1, 1, 1]   # ⌈3/4⌉ = 1: three chunks
    assert x.dtype == np.float64 and Tensor(M.astype(np.float32)).flip(0).dtype == np.float32


def test_attention_written_with_einsum_has_the_gradient_of_matmul() -> None:
    """softmax(q·kᵀ)·v with einsum and with @: the same loss and the same gradients."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 3, 5, 4)) for _ in range(3)]

    def attention(use_einsum: bool) -> list[np.ndarray]:
        q, k, v = (Tensor(a, requires_grad=True) for a in arrays)
        if use_einsum:
            out = F.einsum("bhqk,bhkd->bhqd", F.softmax(F.einsum("bhqd,bhkd->bhqk", q, k)), v)
        else:
            out = F.softmax(q @ k.transpose(0, 1, 3, 2)) @ v
        (out * out).sum().backward()
        return [out.data, q.grad, k.grad, v.grad]

    for ours, theirs in zip(attention(True), attention(False)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_conversions() -> None:
    assert int(Tensor(np.array([2.7]))) == 2 and int(Tensor(np.array(-2.7))) == -2
    assert Tensor(M).tolist() == M.tolist() and Tensor(np.array(1.5)).tolist() == 1.5
    assert Tensor(np.array([[3.0]])).item() == 3.0
    plain = Tensor(M)
    assert plain.numpy() is plain.data
    with pytest.raises(RuntimeError, match=r"numpy: the tensor requires grad; use \.detach\(\)"):
        Tensor(M, requires_grad=True).numpy()
    with pytest.raises(ValueError, match=r"item: only a single-element tensor"):
        int(Tensor(M))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: Tensor(X).flip(3), r"flip: axis 3 is out of range for an array of 3 dimensions"),
    (lambda: Tensor(X).flip(0, 0), r"flip: repeated axis"),
    (lambda: Tensor(X).flip(), r"flip: needs the dims to flip along"),
    (lambda: Tensor(X).roll((1, 2), 0), r"roll: 2 shifts for 1 dims"),
    (lambda: Tensor(M[0]).tril(), r"tril: needs a tensor of 2 or more dimensions, got shape \(4,\)"),
    (lambda: Tensor(X).diagonal(0, 1, -2), r"diagonal: dim1 and dim2 are both axis 1"),
    (lambda: Tensor(X).diag(), r"diag: needs a 1-D or 2-D tensor, got shape \(2, 3, 4\)"),
    (lambda: Tensor(X).trace(), r"trace: needs a matrix"),
    (lambda: Tensor(M).repeat(2), r"repeat: needs a count ≥ 0 for each of the 2 dimensions"),
    (lambda: Tensor(M).expand(3, 5), r"expand: dimension 1 of size 4 cannot become 5"),
    (lambda: Tensor(M).expand(-1, 3, 4), r"expand: -1 is not allowed for the new leading"),
    (lambda: Tensor(M).permute(1, 1), r"permute: repeated axis"),
    (lambda: Tensor(M).permute(0), r"permute: 1 dims for a tensor of 2 dimensions"),
    (lambda: Tensor(M).chunk(0), r"chunk: chunks must be an int ≥ 1, got 0"),
    (lambda: Tensor(M).outer(M), r"outer: needs two 1-D tensors, got shapes \(3, 4\) and \(3, 4\)"),
    (lambda: F.pad(Tensor(M), (1,)), r"pad: pad must be an even number of ints"),
    (lambda: F.pad(Tensor(M), (-3, -2)), r"pad: widths .* cut more than"),
    (lambda: F.pad(Tensor(M), (1, 1), mode="reflect"), r"pad: mode 'reflect' is not supported"),
    (lambda: F.einsum("ij,jk->ik", Tensor(M), Tensor(M)),
     r"einsum: the letter 'j' of 'ij,jk->ik' stands for axes of sizes 3 and 4"),
    (lambda: F.einsum("ij->ik", Tensor(M)), r"einsum: the output of 'ij->ik' must name"),
    (lambda: F.einsum("ijk", Tensor(M)), r"einsum: operand 0 has 2 dimensions but 'ijk' names 3"),
    (lambda: F.einsum("ij,jk", Tensor(M)), r"einsum: the equation 'ij,jk' has 2 operands, 1 were"),
    (lambda: F.einsum("i1", Tensor(M)), r"einsum: the equation 'i1' may hold only letters"),
    (lambda: F.tensordot(Tensor(M), Tensor(M), 1),
     r"tensordot: axes \[1\] of shape \(3, 4\) and \[0\] of shape \(3, 4\) do not pair up"),
    (lambda: F.tensordot(Tensor(M), Tensor(M), 3), r"tensordot: dims=3 for tensors of 2 and 2"),
])
def test_bad_arguments_are_one_line_naming_the_operation(call, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message) as error:
        call()
    assert "\n" not in str(error.value)
