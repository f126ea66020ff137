"""The gate catalogue: every built-in operation as a short `Function` with its math in a docstring.

- `elementwise`: + − × ÷ power, exp, log, sqrt, tanh, sigmoid, relu, cast
- `reduce`: sum, mean, max
- `shape`: reshape, transpose, concat, stack
- `indexing`: indexing, embedding, where
- `linalg`: matrix product, linear (x·W + b)
- `softmax`: softmax, masked softmax (attention), log-softmax, cross-entropy
- `norm`: layer norm, batch norm
- `conv`: conv1d, conv2d
- `activation`: GELU, dropout, softplus, leaky ReLU, ReLU6, hardswish, log-sigmoid
- `trig`: tan, sinh, cosh, asin, acos, atan, atan2
- `rounding`: sign, floor, ceil, round, trunc, fmod, remainder
- `logexp`: log2, log10, exp2, logaddexp, logsumexp
- `scan`: cumsum, cumprod
- `pool`: max pool, average pool (2-D)
- `arrange`: flip, roll, pad
- `einsum`: Einstein summation (einsum, tensordot)
"""
