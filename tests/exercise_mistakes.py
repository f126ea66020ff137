"""Typical wrong answers to the exercises, each written the way a student would get it wrong: the
reference solution with one mistake. `test_exercises.py` checks that `check` catches every one,
naming the exercise and the item, with the words of the mistake where it is a common one, and,
for the composed exercises, the first wrong gate of the backward pass."""

from __future__ import annotations

from dataclasses import dataclass

HEAD = "import numpy as np\nfrom autograd.exercises.solutions.{file} import *  # noqa\n" \
       "from autograd.exercises.solutions import {file} as right\n"


@dataclass(frozen=True)
class Mistake:
    label: str
    exercise: str          # the exercise graded
    item: str              # the item that must fail
    file: str              # the file the mistake is in (another exercise's, for mlp_lm)
    code: str              # appended to HEAD: the wrong definition
    says: str = ""         # words the failure's line must contain ("" where no rule names it)
    first_gate: str = ""   # composed: the gate the comparison must mark first

    def source(self) -> str:
        return HEAD.format(file=self.file) + self.code


def gate(name: str, backward: str, base: str = "") -> str:
    """A subclass of the reference gate whose backward is `backward` (a body over ctx, grad)."""
    body = "\n".join("        " + line for line in backward.strip().splitlines())
    return (f"class {name}(right.{base or name}):\n    @staticmethod\n"
            f"    def backward(ctx, grad):\n{body}\n")


SIGMOID_SIGN = gate("Sigmoid", "(z,) = ctx.saved_tensors\nreturn -grad * z * (1 - z)")
BCE_TWICE = gate("BinaryCrossEntropy",
                 "o, t = ctx.saved_tensors\nreturn 2 * grad * (o - t) / (o * (1 - o)), None")
SOFTMAX_DIAGONAL = gate("Softmax", "(z,) = ctx.saved_tensors\nreturn grad * z * (1 - z)")
MASKED_DIAGONAL = gate("MaskedSoftmax",
                       "(z,) = ctx.saved_tensors\nreturn ctx.scale * grad * z * (1 - z), None, None")
MASKED_NO_SCALE = gate("MaskedSoftmax", "(z,) = ctx.saved_tensors\n"
                       "return z * (grad - (grad * z).sum(axis=-1, keepdims=True)), None, None")
NO_RECURRENCE = gate("RNNCell", "dx, dh, dwx, dwh, db = right.RNNCell.backward(ctx, grad)\n"
                     "return dx, np.zeros_like(dh), dwx, dwh, db")
LINEAR_BIAS_TWICE = gate("Linear", "dx, dw, db = right.Linear.backward(ctx, grad)\nreturn dx, dw, 2 * db")

MISTAKES = (
    # neuron
    Mistake("sigmoid: flipped sign", "neuron", "Sigmoid", "neuron", SIGMOID_SIGN, "flipped sign"),
    Mistake("cross-entropy: factor of 2", "neuron", "BinaryCrossEntropy", "neuron", BCE_TWICE,
            "factor of 2"),
    Mistake("Δw: no sum over the batch", "neuron", "delta_w", "neuron",
            "def delta_w(x, t, o, eta):\n    return eta * (t - o)[:, None] * x\n",
            "missing sum over a broadcast axis"),
    Mistake("Δw: o − t", "neuron", "delta_w", "neuron",
            "def delta_w(x, t, o, eta):\n    return eta * (o - t) @ x\n", "flipped sign"),
    Mistake("neuron pass: sigmoid's sign", "neuron", "backward pass", "neuron", SIGMOID_SIGN,
            "flipped sign", first_gate="Sigmoid"),
    Mistake("neuron pass: cross-entropy doubled", "neuron", "backward pass", "neuron", BCE_TWICE,
            "factor of 2", first_gate="BinaryCrossEntropy"),
    # scalar gates
    Mistake("multiply: inputs swapped", "scalar_gates", "Multiply", "scalar_gates",
            gate("Multiply", "x, y = ctx.saved_tensors\nreturn grad * x, grad * y"), "add-mul"),
    Mistake("tanh: 1 − z", "scalar_gates", "Tanh", "scalar_gates",
            gate("Tanh", "(z,) = ctx.saved_tensors\nreturn grad * (1 - z)"), "counterexample"),
    Mistake("power: ∂/∂y without ln x", "scalar_gates", "Power", "scalar_gates",
            gate("Power", "x, y = ctx.saved_tensors[:2]\nreturn grad * y * x ** (y - 1), grad * x ** y"),
            "∂L/∂y"),
    Mistake("relu: flipped sign", "scalar_gates", "Relu", "scalar_gates",
            gate("Relu", "(x,) = ctx.saved_tensors\nreturn -grad * (x > 0)"), "flipped sign"),
    # softmax
    Mistake("softmax: the Jacobian's diagonal only", "softmax", "Softmax", "softmax", SOFTMAX_DIAGONAL,
            "softmax Jacobian's diagonal only"),
    Mistake("cross-entropy: t − o", "softmax", "SoftmaxCrossEntropy", "softmax",
            gate("SoftmaxCrossEntropy", "dx, dt = right.SoftmaxCrossEntropy.backward(ctx, grad)[:2]\n"
                 "return -dx, None"), "flipped sign"),
    # tensor gates
    Mistake("matmul: transposed product", "tensor_gates", "MatMul", "tensor_gates",
            gate("MatMul", "a, b = ctx.saved_tensors\nreturn grad @ b.T, grad.T @ a"),
            "transposed product"),
    Mistake("linear: bias not summed over the batch", "tensor_gates", "Linear", "tensor_gates",
            gate("Linear", "dx, dw, db = right.Linear.backward(ctx, grad)\nreturn dx, dw, grad"),
            "missing sum over a broadcast axis"),
    Mistake("broadcast add: gradients left broadcast", "tensor_gates", "BroadcastAdd", "tensor_gates",
            gate("BroadcastAdd", "return grad, grad"), "missing sum over a broadcast axis"),
    Mistake("mean: no division", "tensor_gates", "Mean", "tensor_gates",
            gate("Mean", "return right.Sum.backward(ctx, grad)"), "∂L/∂x"),
    # embedding
    Mistake("embedding: repeated rows overwritten", "embedding", "Embedding", "embedding",
            gate("Embedding", "(indices,) = ctx.saved_tensors\nout = np.zeros(ctx.shape)\n"
                 "out[indices.reshape(-1)] = grad.reshape(indices.size, -1)\nreturn out, None"),
            "missing sum at a branch"),
    Mistake("embedding: flipped sign", "embedding", "Embedding", "embedding",
            gate("Embedding", "return -right.Embedding.backward(ctx, grad)[0], None"), "flipped sign"),
    # layer norm
    Mistake("layer norm without its mean terms", "layer_norm", "LayerNorm", "layer_norm",
            gate("LayerNorm", "x_hat, inv_std, w = ctx.saved_tensors\n"
                 "return grad * w * inv_std, (grad * x_hat).reshape(-1, x_hat.shape[-1]).sum(0), "
                 "grad.reshape(-1, x_hat.shape[-1]).sum(0)"), "layer norm without its mean terms"),
    Mistake("layer norm: bias gradient doubled", "layer_norm", "LayerNorm", "layer_norm",
            gate("LayerNorm", "dx, dw, db = right.LayerNorm.backward(ctx, grad)[:3]\n"
                 "return dx, dw, 2 * db"), "factor of 2"),
    # attention
    Mistake("masked softmax: diagonal only", "attention", "MaskedSoftmax", "attention", MASKED_DIAGONAL,
            "softmax Jacobian's diagonal only"),
    Mistake("attention head: the scale forgotten", "attention", "attention head", "attention",
            MASKED_NO_SCALE, first_gate="MaskedSoftmax"),
    Mistake("attention head: diagonal only", "attention", "attention head", "attention",
            MASKED_DIAGONAL, "diagonal only", first_gate="MaskedSoftmax"),
    # rnn
    Mistake("rnn cell: nothing to the previous state", "rnn", "RNNCell", "rnn", NO_RECURRENCE,
            "BPTT without the recurrent term"),
    Mistake("rnn: unrolled without the recurrent term", "rnn", "unrolled backward pass", "rnn",
            NO_RECURRENCE, "BPTT without the recurrent term", first_gate="RNNCell"),
    Mistake("rnn cell: W_h's gradient transposed", "rnn", "RNNCell", "rnn",
            gate("RNNCell", "dx, dh, dwx, dwh, db = right.RNNCell.backward(ctx, grad)\n"
                 "return dx, dh, dwx, dwh.T, db"), "transposed product"),
    Mistake("bptt without the recurrent term", "rnn", "bptt", "rnn",
            "def bptt(xs, hs, h0, w_h, grads_h, truncate=None):\n"
            "    return right.bptt(xs, hs, h0, w_h, grads_h, truncate=1)\n",
            "BPTT without the recurrent term"),
    Mistake("truncated bptt: truncation ignored", "rnn", "bptt (truncated)", "rnn",
            "def bptt(xs, hs, h0, w_h, grads_h, truncate=None):\n"
            "    return right.bptt(xs, hs, h0, w_h, grads_h)\n", "truncation ignored"),
    # mlp_lm: the student's composition, and a wrong gate of an earlier exercise it uses
    Mistake("mlp: the tanh layer left out", "mlp_lm", "training (200 steps)", "mlp_lm",
            "def mlp_loss(params, context, targets, gates):\n"
            "    c, w1, b1, w2, b2 = params\n"
            "    e = gates.Embedding.apply(c, context).reshape(len(context), -1)\n"
            "    return gates.SoftmaxCrossEntropy.apply(gates.Linear.apply(\n"
            "        gates.Linear.apply(e, w1, b1), w2, b2), targets)\n", "step 1"),
    Mistake("mlp: its Linear's bias doubled", "mlp_lm", "one training step", "tensor_gates",
            LINEAR_BIAS_TWICE, "factor of 2", first_gate="Linear"),
    Mistake("mlp: training with a doubled bias", "mlp_lm", "training (200 steps)", "tensor_gates",
            LINEAR_BIAS_TWICE, "step 2"),
)
