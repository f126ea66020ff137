"""Newton's method on f(x) = x⁴ − 3x² + x, started at x = 2: x ← x − f'(x)/f''(x).

Both derivatives come from the engine. f'(x) is a backward pass recorded with
`create_graph=True`, so it is a graph like any other, and f''(x) is that graph's backward pass.
At x = 2: f = 6, f' = 4x³ − 6x + 1 = 21, f'' = 12x² − 6 = 42, so the first step goes to
x = 2 − 21/42 = 1.5. The iterates then converge quadratically to the local minimum near
x = 1.1309 (f' = 0, f'' > 0): the number of correct digits roughly doubles at each step.

`graph()` returns f'(2) as a value whose backward pass computes f''(2) = 42, so that
`backproplab step --example newton` shows the graph of a gradient, gate by gate.
"""

from __future__ import annotations

from autograd import Scalar, grad
from autograd.core.value import Value

START = 2.0
TITLE = "Newton: the graph of f′(2) = 21, whose backward pass gives f″(2) = 42"


def f(x: Scalar) -> Scalar:
    return x ** 4 - 3 * x ** 2 + x


def derivatives(at: float) -> tuple[Value, Value, Value, Scalar]:
    """(f, f', f'') at `at`, each from the engine, and the leaf x they were taken at."""
    x = Scalar(at, name="x")
    value = f(x)
    value.name = "f"
    (slope,) = grad(value, x, create_graph=True)   # f'(x), with the graph that computed it
    slope.name = "f'(x)"
    (curvature,) = grad(slope, x, retain_graph=True)   # f''(x): the backward pass of f'
    return value, slope, curvature, x


def graph() -> Value:
    """f'(2), recorded: stepping through its backward pass computes f''(2) = 42."""
    return derivatives(START)[1]


def main(steps: int = 6) -> dict[str, list[float]]:
    print("Newton's method on f(x) = x⁴ − 3x² + x from x = 2, f' and f'' by the engine:")
    print(f"  {'step':>4}  {'x':>18}  {'f(x)':>12}  {'f′(x)':>12}  {'f″(x)':>10}")
    xs, slopes, curvatures = [START], [], []
    x = START
    for step in range(steps):
        value, slope, curvature, _ = derivatives(x)
        print(f"  {step:>4}  {x:>18.15f}  {value.data:>12.8f}  {slope.data:>12.4e}  "
              f"{curvature.data:>10.5f}")
        slopes.append(slope.data)
        curvatures.append(curvature.data)
        x = x - slope.data / curvature.data
        xs.append(x)
    return {"x": xs, "slope": slopes, "curvature": curvatures}


if __name__ == "__main__":
    main()
