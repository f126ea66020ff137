"""The gate catalogue: every built-in operation as a short `Function` with its math in a docstring.

- `elementwise`: + − × ÷ power, exp, log, sqrt, tanh, sigmoid, relu, cast
- `reduce`: sum, mean, max
- `shape`: reshape, transpose, indexing, concat, stack
- `linalg`: matrix product
- `nn`: softmax, log-softmax, cross-entropy, embedding, where, GELU, layer norm, conv1d, dropout
"""
