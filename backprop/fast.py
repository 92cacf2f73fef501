"""Backprop for a mini-batch, the slow way and the fast way, as chapter 10 measures them.

``loop_gradients`` is the classic per-sample loop of Nielsen's ``network.py`` (one call of
:func:`backprop.network.column_backprop` per sample, then the average); ``lean_gradients`` is
chapter 8's matrix version with the chapter 10 economies (the sigmoid through ``tanh`` in place,
sigma' from the stored activations, no copies), which keeps the dtype of its inputs, so that
float32 stays float32. Both return the gradients of the quadratic cost
C = sum_i ||a_i - y_i||^2 / (2n), shaped like the weights and biases (samples are rows).
"""

import numpy as np

from backprop.network import column_backprop


def sigmoid_inplace(Z):
    """Overwrite Z with sigma(Z) = (1 + tanh(Z / 2)) / 2 and return it; Z keeps its dtype.

    Z: a float array of any shape. The identity holds for every z and tanh never overflows, so
    this is as safe as ``backprop.sigmoid``, with four passes over Z and no new array.
    """
    Z *= 0.5
    np.tanh(Z, out=Z)
    Z += 1.0
    Z *= 0.5
    return Z


def lean_gradients(X, Y, weights, biases):
    """Gradients of C for the whole batch at once, computed in the dtype of X and the weights.

    X: (n, d_0), Y: (n, d_L); weights[l]: (d_l, d_{l+1}), biases[l]: (d_{l+1},), all of one
    float dtype. Returns (grads_W, grads_b), lists shaped like weights and biases, equal to
    chapter 8's ``backward`` up to round-off. No Python loop over samples.
    """
    As = [X]
    for W, b in zip(weights, biases, strict=True):
        Z = As[-1] @ W
        Z += b
        # Z is not needed again: sigma' comes from A.
        As.append(sigmoid_inplace(Z))
    n, L = X.shape[0], len(weights)
    A = As[L]
    delta = A - Y
    delta *= A * (1 - A)  # BP1 with sigma'(Z) = A (1 - A)
    delta /= n            # the mean over the batch, once
    grads_W, grads_b = [None] * L, [None] * L
    for layer in range(L - 1, -1, -1):  # weights[layer] is W^(layer + 1)
        grads_W[layer] = As[layer].T @ delta  # BP4
        grads_b[layer] = delta.sum(axis=0)    # BP3
        if layer > 0:                         # BP2 (none for the inputs)
            A = As[layer]
            delta = delta @ weights[layer].T
            delta *= A * (1 - A)
    return grads_W, grads_b


def loop_gradients(X, Y, weights, biases):
    """The same gradients, one sample at a time as in the classic network.py: slow on purpose.

    Same arguments and result as :func:`lean_gradients`; the weights are viewed in Nielsen's
    layout (w = W.T, biases as columns) and each sample's gradients are added up, then averaged.
    """
    ws = [W.T for W in weights]
    bs = [b[:, None] for b in biases]
    nabla_w = [np.zeros(w.shape) for w in ws]
    nabla_b = [np.zeros(b.shape) for b in bs]
    for x, y in zip(X, Y, strict=True):
        delta_w, delta_b = column_backprop(x[:, None], y[:, None], ws, bs)
        nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_w, strict=True)]
        nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_b, strict=True)]
    n = X.shape[0]
    return [nw.T / n for nw in nabla_w], [nb[:, 0] / n for nb in nabla_b]
