"""The fully connected network of chapter 8 (*Backpropagation through any number of layers*).

Samples are rows: ``X`` is ``(n, d_0)``, ``weights[l - 1]`` is W^l of shape ``(d_{l-1}, d_l)``
and ``biases[l - 1]`` is b^l of shape ``(d_l,)``. Hidden layers are sigmoid; the output layer
is sigmoid, or linear with ``linear_output=True``. The cost is the quadratic cost
C = ||A^L - Y||^2 / (2n), whose gradient with respect to A^L is (A^L - Y) / n. Chapter 8
derives every line; later chapters import it from here instead of pasting it again.
"""

import numpy as np

from backprop.activations import sigmoid, sigmoid_prime


def init_params(sizes, rng):
    """Weights W ~ N(0, 1/d_in) of shape (d_in, d_out) and zero biases (d_out,), one pair per layer.

    sizes: units per layer, inputs first, e.g. [64, 32, 10]; rng: a numpy Generator.
    Returns (weights, biases), two lists of length len(sizes) - 1.
    """
    weights = [rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out))
               for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [np.zeros(d_out) for d_out in sizes[1:]]
    return weights, biases


def forward(X, weights, biases, linear_output=False):
    """The forward pass, keeping every weighted input and activation for the backward pass.

    X: (n, d_0). Returns Zs = [None, Z^1, ..., Z^L] and As = [A^0 = X, A^1, ..., A^L], so that
    Zs[l] is Z^l and As[l] is A^l, each (n, d_l). Raises ValueError if X has the wrong width.
    """
    if X.shape[1] != weights[0].shape[0]:
        raise ValueError(f"X has shape {X.shape} but W^1 has shape {weights[0].shape}: "
                         "X needs one column per row of W^1")
    L = len(weights)
    Zs, As = [None], [X]  # Z^0 does not exist; the placeholder makes Zs[l] = Z^l
    for layer in range(1, L + 1):  # layer is l in the math; weights[l - 1] is W^l
        Z = As[layer - 1] @ weights[layer - 1] + biases[layer - 1]
        Zs.append(Z)
        As.append(Z if (linear_output and layer == L) else sigmoid(Z))
    return Zs, As


def cost(X, Y, weights, biases, linear_output=False):
    """The quadratic cost C = sum_i ||a_i - y_i||^2 / (2n) of the network on X (n, d_0), Y (n, d_L)."""
    A_L = forward(X, weights, biases, linear_output)[1][-1]
    return np.sum((A_L - Y) ** 2) / (2 * X.shape[0])


def backward(Y, weights, Zs, As, linear_output=False):
    """Gradients of C by BP1-BP4, from the lists Zs and As of :func:`forward`.

    The output error is delta^L = (A^L - Y) / n, times sigmoid'(Z^L) unless the output is linear.
    Any output layer whose delta^L is (A^L - Y) / n (softmax with cross-entropy, chapter 11)
    can reuse this with ``linear_output=True`` and its own A^L in As[-1].
    Returns (grads_W, grads_b), shaped like weights and biases.
    """
    n, L = Y.shape[0], len(weights)
    grads_W, grads_b = [None] * L, [None] * L
    delta = (As[L] - Y) / n                   # grad_A C
    if not linear_output:
        delta = delta * sigmoid_prime(Zs[L])  # BP1
    for layer in range(L, 0, -1):                     # l = L, ..., 1; weights[l - 1] is W^l
        grads_W[layer - 1] = As[layer - 1].T @ delta  # BP4
        grads_b[layer - 1] = delta.sum(axis=0)        # BP3
        if layer > 1:                                 # BP2: delta^(l-1) from delta^l and W^l
            delta = (delta @ weights[layer - 1].T) * sigmoid_prime(Zs[layer - 1])
    return grads_W, grads_b
