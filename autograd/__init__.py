"""backproplab's autograd engine: Scalar and Tensor graphs built from `Function` gates.

Read it top-down: `function` (the gate API and graph nodes), `engine` (the backward pass),
`value`, `scalar`, `tensor`, then the gate catalogue in `gates/`, `functional`, `gradcheck`;
then `module` and `layers` (neural-network building blocks) and `optim` (optimisers).
"""

from autograd import allocator, functional, optim
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
from autograd.layers import (
    BatchNorm1d,
    Conv1d,
    Dropout,
    Embedding,
    LayerNorm,
    Linear,
    ModuleList,
    Sequential,
)
from autograd.module import Module, Parameter
from autograd.profile import profile
from autograd.scalar import Scalar
from autograd.tensor import Tensor
from autograd.value import Value

F = functional
allocator.tune()   # see autograd/allocator.py; BACKPROPLAB_KEEP_MALLOC=1 turns it off

__all__ = [
    "BatchNorm1d",
    "Context",
    "Conv1d",
    "Dropout",
    "Embedding",
    "F",
    "Function",
    "GradcheckError",
    "LayerNorm",
    "Linear",
    "Module",
    "ModuleList",
    "Parameter",
    "Scalar",
    "Sequential",
    "Tensor",
    "Value",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "functional",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "optim",
    "profile",
    "scope",
    "topological_order",
]
