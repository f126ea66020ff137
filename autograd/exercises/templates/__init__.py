"""The skeletons `backproplab exercises start DIR` writes: one file per exercise, each gate's
task and the math to derive in its docstring, every method raising NotImplementedError."""
