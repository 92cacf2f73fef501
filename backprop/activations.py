"""The sigmoid and its derivative, as chapter 2 derives them."""

import numpy as np


def sigmoid(z):
    """The logistic sigmoid 1 / (1 + e^(-z)), elementwise, without overflow for any finite z.

    z: a number or an array of any shape; returns float64 of the same shape (a NumPy float for a number).
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow, whatever the sign of z
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))[()]


def sigmoid_prime(z):
    """The slope d sigma / dz = sigma(z) (1 - sigma(z)), as a function of z (not of the activation).

    z: a number or an array of any shape; returns float64 of the same shape (a NumPy float for a number).
    """
    s = sigmoid(z)
    return s * (1.0 - s)
