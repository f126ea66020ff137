"""The gate catalogue: every built-in operation as a short `Function` with its math in a docstring.

- `elementwise`: + − × ÷ power, exp, log, sqrt, tanh, sigmoid, relu, cast
- `reduce`: sum, mean, max
- `shape`: reshape, transpose, concat, stack
- `indexing`: indexing, embedding, where
- `linalg`: matrix product, linear (x·W + b)
- `softmax`: softmax, masked softmax (attention), log-softmax, cross-entropy
- `norm`: layer norm, batch norm
- `conv`: conv1d
- `activation`: GELU, dropout
- `arrange`: flip, roll, pad
- `einsum`: Einstein summation (einsum, tensordot)
"""
