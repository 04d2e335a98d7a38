"""tinyreg: a small, readable, numpy-only autograd framework built around regularization."""

__version__ = "0.1.0"
