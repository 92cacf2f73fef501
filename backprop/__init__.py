"""Helpers that the book derives in the open and later chapters import.

Nothing graded lives here: the reference answers to the exercises are the
solution notebooks in ``solutions/``.
"""

from backprop.draw import draw_network

__all__ = ["draw_network"]
