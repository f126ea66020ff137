"""f(x, y, z) = (x + y)·z at (−2, 5, −4).

q = x + y = 3, f = q·z = −12;  ∂f/∂z = q = 3, ∂f/∂q = z = −4, and the add gate passes its
upstream unchanged: ∂f/∂x = ∂f/∂y = −4.
"""

from __future__ import annotations

from autograd import Scalar
from autograd.core.value import Value


def graph(kind: type = Scalar) -> Value:
    from autograd.examples.common import leaf

    x, y, z = leaf(kind, -2.0, "x"), leaf(kind, 5.0, "y"), leaf(kind, -4.0, "z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    return f


def main(kind: type = Scalar) -> dict[str, float]:
    from autograd.examples.common import grads_of

    f = graph(kind)
    f.backward()
    result = {"f": float(f.data), **grads_of(f, "x", "y", "z")}
    print(f"f = (x + y)·z at (−2, 5, −4) = {result['f']:g}; ∂f/∂x = {result['x']:g}, "
          f"∂f/∂y = {result['y']:g}, ∂f/∂z = {result['z']:g}")
    return result


if __name__ == "__main__":
    main()
