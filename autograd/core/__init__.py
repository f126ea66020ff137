"""The engine: values, gates and their nodes, the backward pass."""
