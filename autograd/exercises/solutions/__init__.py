"""The reference solutions `backproplab exercises solve DIR` writes (for the lecturer): each gate
is the library's own (`autograd/gates/`), or, where the library fuses or lacks it, a few lines on
the library's kernels; the hand derivations are the lectures' results."""
