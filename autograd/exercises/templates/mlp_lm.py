"""Exercise `mlp_lm` — Bengio's MLP language model from your own gates (block 9).

The checker trains it for a few hundred steps with your gates — Embedding (embedding.py),
Linear (tensor_gates.py), Tanh (scalar_gates.py), SoftmaxCrossEntropy (softmax.py), passed
in as `gates` — and checks its loss, step by step, against the library's gates on the same
batches.
"""


def mlp_loss(params, context, targets, gates):
    """The loss of one batch.

    params: C (V, m) the embedding table, W1 (n·m, h), b1 (h,), W2 (h, V), b2 (V,);
    context (B, n) integer ids of the n previous tokens, targets (B,) the next token's id.
    Look the n tokens up in C, concatenate their vectors into one row of n·m per example
    (`.reshape`), a tanh hidden layer, then logits over the V tokens and the mean
    cross-entropy. Use gates.Embedding, gates.Linear, gates.Tanh and
    gates.SoftmaxCrossEntropy (`gates.Linear.apply(x, w, b)`, …)."""
    raise NotImplementedError
