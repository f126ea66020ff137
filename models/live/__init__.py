"""Watch a model learn: a page served while training runs (`backproplab train --live`), the
Scalar-MLP playground (`backproplab live --toy`), and the same panel in Jupyter."""
