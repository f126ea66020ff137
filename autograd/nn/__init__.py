"""What models are built from: the functional API, modules and layers, optimisers."""
