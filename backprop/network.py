"""The fully connected sigmoid network of chapter 8, as later chapters import it.

Chapter 8 derives every line of this module in the open (forward pass, the four backprop
equations, the column-vector version of Nielsen's ``network.py``); chapters 9 and 10 import
it from here instead of pasting it again. Samples are rows: ``X`` is ``(n, d_0)``,
``weights[l]`` is ``(d_l, d_{l+1})`` and ``biases[l]`` is ``(d_{l+1},)``, so ``weights[0]``
is the book's W^1. The cost is the quadratic cost averaged over the batch,
C = sum_i ||a_i - y_i||^2 / (2n).
"""

import numpy as np

from backprop.activations import sigmoid, sigmoid_prime


def init_params(sizes, rng):
    """Weights W ~ N(0, 1/d_in) of shape (d_in, d_out) and zero biases (d_out,), one pair per layer.

    sizes: units per layer, inputs first, e.g. [784, 30, 10]; rng: a numpy Generator.
    Returns (weights, biases), two lists of len(sizes) - 1 float64 arrays.
    """
    weights = [rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out))
               for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [np.zeros(d_out) for d_out in sizes[1:]]
    return weights, biases


def forward(X, weights, biases, linear_output=False):
    """The forward pass, keeping every weighted input and activation.

    X: (n, d_0). Returns Zs = [None, Z^1, ..., Z^L] and As = [A^0 = X, A^1, ..., A^L], each
    (n, d_l), so that Zs[l] is Z^l as in the math. With linear_output the last layer is
    A^L = Z^L. Raises ValueError when X does not have one column per row of W^1.
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
    """C = sum over samples of ||a_i - y_i||^2, divided by 2n; X (n, d_0), Y (n, d_L). A float."""
    A_L = forward(X, weights, biases, linear_output)[1][-1]
    return float(np.sum((A_L - Y) ** 2) / (2 * X.shape[0]))


def backward(Y, weights, Zs, As, linear_output=False):
    """Gradients of C for every layer by BP1-BP4, from the lists that forward returns.

    Y: (n, d_L). Returns (grads_W, grads_b), lists shaped like weights and biases: the mean
    over the batch of the per-sample gradients (the 1/n enters once, in BP1).
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


def column_backprop(x, y, ws, bs):
    """Nielsen's per-sample backprop: one sample as columns, for the per-sample cost ||a - y||^2 / 2.

    x: (d_0, 1), y: (d_L, 1); ws[l - 1] = w^l = (W^l).T of shape (d_l, d_{l-1}); bs[l - 1] of
    shape (d_l, 1). Returns (nabla_w, nabla_b) shaped like ws and bs, for this one sample (the
    classic code adds them up over a mini-batch and divides by its size).
    """
    a, activations, zs = x, [x], [None]
    for w, b in zip(ws, bs, strict=True):
        z = w @ a + b
        a = sigmoid(z)
        zs.append(z)
        activations.append(a)
    L = len(ws)
    nabla_w, nabla_b = [None] * L, [None] * L
    delta = (activations[L] - y) * sigmoid_prime(zs[L])  # BP1 for one sample
    for layer in range(L, 0, -1):
        nabla_w[layer - 1] = delta @ activations[layer - 1].T  # BP4: a_k delta_j at (j, k)
        nabla_b[layer - 1] = delta                             # BP3
        if layer > 1:
            delta = (ws[layer - 1].T @ delta) * sigmoid_prime(zs[layer - 1])  # BP2
    return nabla_w, nabla_b
