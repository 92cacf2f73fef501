"""Checking gradients by centred differences, as chapter 4 derives them."""

import numpy as np


def numerical_gradients(f, arrays, h=1e-5):
    """Centred differences (f(p + h) - f(p - h)) / 2h of the scalar f() for every entry of each array.

    f: a function of no arguments that reads the arrays (a closure over them), returning a number.
    arrays: a list of float arrays of any shapes; each entry is nudged in place, then restored exactly.
    Returns a list of float64 arrays, the k-th shaped like arrays[k]. Costs 2 calls of f per entry.
    """
    if isinstance(arrays, np.ndarray):
        raise ValueError(f"arrays must be a list of arrays, got one array of shape {arrays.shape}: "
                         "pass [W], not W")
    grads = []
    for k, P in enumerate(arrays):
        if not (isinstance(P, np.ndarray) and np.issubdtype(P.dtype, np.floating)):
            kind = f"an array of {P.dtype}" if isinstance(P, np.ndarray) else f"a {type(P).__name__}"
            raise ValueError(f"arrays[{k}] is {kind}, but its entries are nudged by h in place: pass a "
                             "float array (np.array(x, dtype=float), 0-d for a single number) that f reads")
        G = np.zeros(P.shape)
        for idx in np.ndindex(P.shape):
            old = P[idx]
            P[idx] = old + h
            up = f()
            P[idx] = old - h
            down = f()
            P[idx] = old  # put the value back, rather than adding h again: no rounding residue
            G[idx] = (up - down) / (2 * h)
        grads.append(G)
    return grads


def relative_error(a, b):
    """The largest entrywise difference relative to the size of the entries: max|a - b| / max(|a| + |b|).

    a, b: numbers or arrays of the same shape. Returns a float in [0, 1]: 0 when a == b, 1 when b = -a,
    independent of the overall scale of the gradients. The denominator is floored at the smallest
    normal float64, so that two zero arrays give 0 instead of nan.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}: compare arrays of the same "
                         "shape (broadcasting them would compare the wrong entries)")
    if a.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a) + np.abs(b))), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(a - b))) / scale
