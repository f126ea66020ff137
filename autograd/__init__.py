"""backproplab's autograd engine: Scalar and Tensor graphs built from `Function` gates.

Read it top-down: `function` (the gate API and graph nodes), `engine` (the backward pass),
`value`, `scalar`, `tensor`, then the gate catalogue in `gates/`, `functional`, `gradcheck`.
"""

from autograd import functional
from autograd.engine import backward, topological_order
from autograd.function import (
    Context,
    Function,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    scope,
)
from autograd.gradcheck import GradcheckError, gradcheck
from autograd.scalar import Scalar
from autograd.tensor import Tensor
from autograd.value import Value

F = functional

__all__ = [
    "Context",
    "F",
    "Function",
    "GradcheckError",
    "Scalar",
    "Tensor",
    "Value",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "functional",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "scope",
    "topological_order",
]
