"""backproplab's autograd engine: Scalar and Tensor graphs built from `Function` gates.

Read it top-down (the README gives the same order):

- `core/`: `value` (what Scalar and Tensor share), `function` (the gate API and the graph node),
  `node` (what the engine reads of both, as Protocols), `engine` (the backward pass: `backward`,
  `grad`), `walk` (the pieces of a pass) and `higher_order` (the recorded pass of
  create_graph=True); beside them `grad_mode` (no_grad and the other switches), `versions`
  (in-place safety), `outputs` (gates with several outputs), `broadcast` and `kernels`. The
  core imports no gate;
- `gates/`: the catalogue of gates, one family per file, each with its math in a docstring;
- `scalar`, `tensor`, `operators`, `rearranging`: the value types, their operators and methods
  bound to the gates (above both core and gates); `factories` (zeros, ones, randn, …) and
  `gradcheck`;
- `functional`: jacobian, hessian, hvp and vjp — whole derivatives built from backward passes;
- `nn/`: `functional` (F), `module` and `layers`, `optim`: what a model is built from;
- `tools/`: the teaching tools — `draw`, `trace`, `explorer`, `flow` — and `profile`;
- `plumbing/`: atomic file writes, and the allocator setting the first backward pass makes.
"""

from autograd import functional
from autograd.core.engine import backward, grad, topological_order
from autograd.core.function import Context, Function
from autograd.core.grad_mode import (
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    scope,
    set_grad_enabled,
    time_step,
)
from autograd.core.value import Value
from autograd.factories import arange, full, ones, ones_like, randn, zeros, zeros_like
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd.nn import functional as F
from autograd.nn import optim
from autograd.nn.functional import einsum, tensordot
from autograd.nn.layers import (
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    Dropout,
    Embedding,
    LayerNorm,
    Linear,
    MaxPool2d,
    ModuleList,
    Sequential,
)
from autograd.nn.module import Module, Parameter
from autograd.scalar import Scalar
from autograd.tensor import Tensor
from autograd.tools.profile import profile

__all__ = [
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Context",
    "Conv1d",
    "Conv2d",
    "Dropout",
    "Embedding",
    "F",
    "Function",
    "GradcheckError",
    "LayerNorm",
    "Linear",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "Parameter",
    "Scalar",
    "Sequential",
    "Tensor",
    "Value",
    "arange",
    "backward",
    "detect_anomaly",
    "einsum",
    "enable_grad",
    "full",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "profile",
    "randn",
    "scope",
    "set_grad_enabled",
    "tensordot",
    "time_step",
    "topological_order",
    "zeros",
    "zeros_like",
]
