"""Helpers that the book derives in the open and later chapters import.

These are the book's own versions of what it derives in the open (some are also
exercise topics: the exercises ask students to write them, not import them). The
reference answers the grader compares against live only in ``solutions/``.
"""

from backprop.activations import sigmoid, sigmoid_prime
from backprop.draw import draw_network
from backprop.gradcheck import numerical_gradients, relative_error

__all__ = ["draw_network", "numerical_gradients", "relative_error", "sigmoid", "sigmoid_prime"]
