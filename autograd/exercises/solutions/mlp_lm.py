"""Reference solution of `mlp_lm`."""


def mlp_loss(params, context, targets, gates):
    """Bengio et al. (2003) without the direct connections: the n embeddings concatenated, a
    tanh layer, the logits, the mean cross-entropy."""
    c, w1, b1, w2, b2 = params
    e = gates.Embedding.apply(c, context)
    hidden = gates.Tanh.apply(gates.Linear.apply(e.reshape(len(context), -1), w1, b1))
    return gates.SoftmaxCrossEntropy.apply(gates.Linear.apply(hidden, w2, b2), targets)
