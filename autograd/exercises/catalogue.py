"""The exercises, in the lectures' order: each a file the student fills in, its lecture block, and
its graded items (gates with points, hand derivations, compositions of the student's gates).

The references are the library's own computations (`F`, Tensor and Scalar operators), so a gate
is judged against what backproplab itself does; the lectures' worked numbers come from
`examples/` (add_mul, neuron, sigmoid_ce).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from autograd.core.function import Function
from autograd.exercises import cases, diagnose
from autograd.exercises import composed as comp
from autograd.exercises.cases import Case
from autograd.exercises.grading import Worked
from autograd.exercises.items import CompositionItem, FunctionItem, GateItem
from autograd.gates import elementwise as ew
from autograd.gates import indexing, linalg, norm, reduce, softmax
from autograd.nn import functional as F
from autograd.tensor import Tensor

Item = GateItem | FunctionItem | CompositionItem


@dataclass(frozen=True)
class Exercise:
    name: str
    block: str
    title: str
    items: tuple[Item, ...]

    @property
    def points(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def composed(self) -> bool:
        return any(isinstance(item, CompositionItem) for item in self.items)


def constant(raw: Any) -> Tensor:
    return Tensor(np.asarray(raw, dtype=np.float64))


def _bce(o: Any, t: Any) -> Any:
    target = constant(t)
    return -(target * o.log() + (1 - target) * (1 - o).log()).sum()


SIGMOID_1 = 1 / (1 + math.exp(-1))   # the lecture's neuron: net = 1, σ(1) = 0.7311, σ'(1) = 0.1966
ADD_MUL = "add-mul (x, y, z) = (−2, 5, −4)"
NEURON = "the neuron at net = 1"


def _scalar(name: str, points: float, reference: Any, gate: type[Function], strategy: Any, arity: int,
            worked: tuple[Worked, ...] = ()) -> GateItem:
    return GateItem(name, points, reference, strategy, gate.forward, arity, worked, exact_shape=False)


SCALAR_GATES = (
    _scalar("Add", 1, lambda x, y: x + y, ew.Add, lambda: cases.scalars(2), 2,
            (Worked(ADD_MUL, Case((-2.0, 5.0)), 3.0, (-4.0, -4.0), upstream=-4.0),)),
    _scalar("Multiply", 1, lambda x, y: x * y, ew.Multiply, lambda: cases.scalars(2), 2,
            (Worked(ADD_MUL, Case((3.0, -4.0)), -12.0, (-4.0, 3.0)),)),
    _scalar("Power", 1, lambda x, y: x**y, ew.Power, cases.scalar_power, 2),
    _scalar("Exp", 1, lambda x: x.exp(), ew.Exp, lambda: cases.scalars(1), 1),
    _scalar("Tanh", 1, lambda x: x.tanh(), ew.Tanh, lambda: cases.scalars(1), 1),
    _scalar("Sigmoid", 1, lambda x: x.sigmoid(), ew.Sigmoid, lambda: cases.scalars(1, -6, 6), 1,
            (Worked(NEURON, Case((1.0,)), SIGMOID_1, (SIGMOID_1 * (1 - SIGMOID_1),)),)),
    _scalar("Relu", 1, lambda x: x.relu(), ew.Relu, cases.scalar_relu, 1),
)


def _check_bptt(module: ModuleType) -> None:
    comp.check_bptt(module, truncate=None)


def _check_truncated(module: ModuleType) -> None:
    comp.check_bptt(module, truncate=2)


EXERCISES: tuple[Exercise, ...] = (
    Exercise("neuron", "1 · backprop: the sigmoid neuron", "sigmoid + cross-entropy, Δw = η(t − o)x", (
        GateItem("Sigmoid", 2, lambda x: x.sigmoid(), lambda: cases.tensors(1, low=-4, high=4),
                 ew.Sigmoid.forward, 1),
        GateItem("BinaryCrossEntropy", 2, _bce, cases.probabilities_and_targets,
                 lambda ctx, o, t: None, 2),
        FunctionItem("delta_w", 2, comp.check_delta_w),
        CompositionItem(2, comp.neuron),
    )),
    Exercise("scalar_gates", "2 · gates on Scalars", "add, multiply, power, exp, tanh, sigmoid, relu",
             SCALAR_GATES),
    Exercise("softmax", "3 · softmax and cross-entropy", "the softmax Jacobian as a VJP; o − t", (
        GateItem("Softmax", 3, lambda x: F.softmax(x), lambda: cases.tensors(1, low=-3, high=3),
                 softmax.Softmax.forward, 1, rules=(diagnose.softmax_diagonal_only,)),
        GateItem("SoftmaxCrossEntropy", 3, lambda x, t: F.cross_entropy(x, t),
                 cases.logits_and_targets, softmax.CrossEntropy.forward, 2),
    )),
    Exercise("tensor_gates", "4 · tensor gates and broadcasting", "matmul, linear, sum, mean, "
             "broadcast add", (
        GateItem("MatMul", 2, lambda a, b: a @ b, cases.matmul_pair, linalg.MatMul.forward, 2),
        GateItem("Linear", 2, lambda x, w, b: F.linear(x, w, b), cases.linear_inputs,
                 linalg.Linear.forward, 3),
        GateItem("Sum", 1, lambda x, axis: x.sum(axis=axis), cases.reduce_inputs,
                 reduce.Sum.forward, 2),
        GateItem("Mean", 1, lambda x, axis: x.mean(axis=axis), cases.reduce_inputs,
                 reduce.Mean.forward, 2),
        GateItem("BroadcastAdd", 2, lambda x, y: x + y, cases.broadcast_pair, ew.Add.forward, 2),
    )),
    Exercise("embedding", "5 · embeddings", "lookup with repeated indices", (
        GateItem("Embedding", 3, lambda w, i: F.embedding(w, i), cases.embedding_inputs,
                 indexing.Embedding.forward, 2, rules=(diagnose.overwritten_rows,)),
    )),
    Exercise("layer_norm", "6 · layer norm", "normalising a row: the mean terms", (
        GateItem("LayerNorm", 4, lambda x, w, b: F.layer_norm(x, w, b), cases.layer_norm_inputs,
                 norm.LayerNorm.forward, 3, rules=(diagnose.layer_norm_without_means,)),
    )),
    Exercise("attention", "7 · attention", "causal masked softmax, one head", (
        GateItem("MaskedSoftmax", 3, lambda x, m, s: F.masked_softmax(x, m, s), cases.masked_scores,
                 softmax.MaskedSoftmax.forward, 3, rules=(diagnose.softmax_diagonal_only,)),
        CompositionItem(2, comp.attention_head, "attention head"),
    )),
    Exercise("rnn", "8 · RNN and BPTT", "an Elman RNN's backward through time, then truncated", (
        GateItem("RNNCell", 3, comp.rnn_cell_reference, cases.rnn_cell_inputs,
                 lambda ctx, x, h_prev, w_x, w_h, b: None, 5,
                 rules=(diagnose.recurrent_term_missing,)),
        FunctionItem("bptt", 3, _check_bptt),
        FunctionItem("bptt", 2, _check_truncated, label="bptt (truncated)"),
        CompositionItem(2, comp.unrolled_rnn, "unrolled backward pass"),
    )),
    Exercise("mlp_lm", "9 · the MLP language model", "Bengio's MLP LM from your own gates", (
        CompositionItem(2, comp.mlp_step, "one training step"),
        FunctionItem("mlp_loss", 4, comp.check_training, label="training (200 steps)"),
    )),
)


def exercise(name: str) -> Exercise:
    for candidate in EXERCISES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def reference_module(name: str) -> ModuleType:
    """The reference solution of one exercise (`autograd.exercises.solutions.NAME`)."""
    import importlib

    return importlib.import_module(f"autograd.exercises.solutions.{name}")
