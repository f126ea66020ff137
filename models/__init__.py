"""Neural language models built on the `autograd` engine, and the `backproplab` command line."""
