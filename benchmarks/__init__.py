"""Side-by-side measurements of backproplab against PyTorch and micrograd (not tests)."""
