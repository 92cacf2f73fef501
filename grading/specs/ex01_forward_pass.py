"""Hidden checks for ex01_forward_pass: dense_forward and mlp_forward."""

import math

from grading.core import VISIBLE, Case, Mistake, Spec, np

SHAPES = [(1, 1, 1), (4, 3, 2), (7, 5, 5), (3, 8, 1), (10, 2, 6)]


def sigmoid(z):
    """Logistic sigmoid written through tanh (overflow-free)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def identity(z):
    return z * 1.0


def relu(z):
    return np.maximum(z, 0.0)


def negate(z):
    return -z


def dense_forward_cases(rng):
    for n, d_in, d_out in SHAPES:
        yield Case((rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)),
                    rng.normal(size=d_out)), label="random batch")
    X, W, b = rng.normal(size=(4, 3)), rng.normal(size=(2, 2)), rng.normal(size=2)
    yield Case((X, W, b), label="X and W do not fit", raises=ValueError,
               mentions=(str(X.shape), str(W.shape)))
    # A wrong b must be named by its own shape; W's may be named too, not must (the
    # instructions ask for "the offending shapes").
    X, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=3)
    yield Case((X, W, b), label="b does not fit W", raises=ValueError, mentions=(str(b.shape),))
    # The trap of chapter 1: a column-vector bias (d_out, 1) with one sample broadcasts
    # (1, d_out) + (d_out, 1) into a silent (d_out, d_out) result.
    X, W, b = rng.normal(size=(1, 3)), rng.normal(size=(3, 2)), rng.normal(size=(2, 1))
    yield Case((X, W, b), label="a 2-d bias of shape (d_out, 1) and one sample",
               raises=ValueError, mentions=(str(b.shape),))
    # The visible tests' inputs (tests/test_fairness.py checks that every one is here).
    yield Case((np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]),
                np.array([0.5, 0.0, 0.0])), label=VISIBLE)
    yield Case((np.ones((4, 3)), np.ones((2, 2)), np.ones(2)), label=VISIBLE, raises=ValueError,
               mentions=("(4, 3)", "(2, 2)"))
    yield Case((np.ones((1, 3)), np.ones((3, 2)), np.ones((2, 1))), label=VISIBLE,
               raises=ValueError, mentions=("(2, 1)",))


def _layers(rng, sizes):
    weights = [rng.normal(size=(a, b)) / math.sqrt(a) for a, b in zip(sizes, sizes[1:])]
    biases = [rng.normal(size=b) for b in sizes[1:]]
    return weights, biases


def mlp_forward_cases(rng):
    for sizes, n, activation in [([3, 2], 5, sigmoid), ([2, 4, 1], 6, sigmoid),
                                 ([4, 5, 3, 2], 3, sigmoid), ([3, 3, 3, 3, 3], 4, identity),
                                 ([1, 6, 2, 1], 1, sigmoid)]:
        weights, biases = _layers(rng, sizes)
        yield Case((rng.normal(size=(n, sizes[0])), weights, biases, activation),
                   label=f"a network of layer sizes {sizes}")
    weights, biases = _layers(rng, [3, 4, 2])
    yield Case((rng.normal(size=(5, 3)), weights, biases[:1], sigmoid),
               label="two weight matrices but one bias vector", raises=ValueError)
    weights, _ = _layers(rng, [3, 4, 2])
    weights[1] = rng.normal(size=(3, 2))
    biases = [rng.normal(size=4), rng.normal(size=2)]
    yield Case((rng.normal(size=(5, 3)), weights, biases, sigmoid),
               label="layers whose shapes do not chain", raises=ValueError)
    X = np.array([[1.0, -1.0]])
    weights = [np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[1.0], [-1.0]])]
    biases = [np.array([0.0, -1.0]), np.array([0.5])]
    yield Case((X, weights, biases, relu), label=VISIBLE)
    yield Case((X, weights, biases, negate), label=VISIBLE)
    yield Case((X, weights, biases[:1], relu), label=VISIBLE, raises=ValueError)


# Both ways of letting a column-vector bias through behave alike on every case, so they share
# one hint, true of each.
B_TRAP = ("a bias of shape (d_out, 1) got through your checks: with one sample, (1, d_out) + "
          "(d_out, 1) broadcasts silently into a (d_out, d_out) result. Check the whole shape, "
          "b.shape == (W.shape[1],) (len(b) is d_out for a column vector too), and raise a "
          "ValueError that names b's shape.")

SPECS = {
    "dense_forward": Spec(dense_forward_cases, mistakes=[
        Mistake("no shape check", "NumPy's own error does not name both shapes. Check "
                "X.shape[1] == W.shape[0] and b.shape == (W.shape[1],) yourself and raise "
                "ValueError with a message that shows the shapes, e.g. f\"X has shape "
                "{X.shape} but W has shape {W.shape}\".", """
def dense_forward(X, W, b):
    return X @ W + b
"""),
        Mistake("bias forgotten", "the bias b is never added: Z = X @ W + b.", """
def dense_forward(X, W, b):
    if X.shape[1] != W.shape[0] or b.shape != (W.shape[1],):
        raise ValueError(f"X {X.shape}, W {W.shape}, b {b.shape}")
    return X @ W
"""),
        Mistake("transposed weights", "you multiplied by W transposed. In this book W has shape "
                "(d_in, d_out) and Z = X @ W, with no transpose.", """
def dense_forward(X, W, b):
    if X.shape[1] != W.shape[0] or b.shape != (W.shape[1],):
        raise ValueError(f"X {X.shape}, W {W.shape}, b {b.shape}")
    return X @ W.T + b
"""),
        Mistake("computed in float32", "your values are within about 1e-7 of the right ones: "
                "the precision of float32, not float64. Somewhere the layer is computed in "
                "float32 (astype(np.float32), dtype=np.float32) and cast back; the book computes "
                "in float64 throughout.", """
def dense_forward(X, W, b):
    if X.shape[1] != W.shape[0] or b.shape != (W.shape[1],):
        raise ValueError(f"X has shape {X.shape}, W has shape {W.shape}, b has shape {b.shape}")
    Z = X.astype(np.float32) @ W.astype(np.float32) + b.astype(np.float32)
    return Z.astype(np.float64)
"""),
        Mistake("X checked but not b", B_TRAP, """
def dense_forward(X, W, b):
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"X has shape {X.shape} but W has shape {W.shape}")
    return X @ W + b
"""),
        Mistake("b checked by its length only", B_TRAP, """
def dense_forward(X, W, b):
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"X has shape {X.shape} but W has shape {W.shape}")
    if len(b) != W.shape[1]:
        raise ValueError(f"b has shape {b.shape} but W has shape {W.shape}")
    return X @ W + b
"""),
    ]),
    "mlp_forward": Spec(mlp_forward_cases, helpers=("dense_forward",), mistakes=[
        Mistake("no activation on the last layer", "the activation must be applied after every "
                "layer, the last one included.", """
def mlp_forward(X, weights, biases, activation):
    if len(weights) != len(biases):
        raise ValueError("weights and biases differ in length")
    A = X
    for i, (W, b) in enumerate(zip(weights, biases)):
        Z = dense_forward(A, W, b)
        A = activation(Z) if i < len(weights) - 1 else Z
    return A
"""),
        Mistake("every layer fed from X", "every layer must be fed the previous layer's "
                "activations, not the input X (that only works with a single layer).", """
def mlp_forward(X, weights, biases, activation):
    if len(weights) != len(biases):
        raise ValueError("weights and biases differ in length")
    A = X
    for W, b in zip(weights, biases):
        A = activation(dense_forward(X, W, b))
    return A
"""),
        Mistake("activation before the layer", "apply the layer first and the activation to its "
                "output: A = activation(A @ W + b), not activation(A) @ W + b.", """
def mlp_forward(X, weights, biases, activation):
    if len(weights) != len(biases):
        raise ValueError("weights and biases differ in length")
    A = X
    for W, b in zip(weights, biases):
        A = dense_forward(activation(A), W, b)
    return A
"""),
        Mistake("lengths not checked", "zip() silently stops at the shorter list: check "
                "len(weights) == len(biases) and raise ValueError when they differ.", """
def mlp_forward(X, weights, biases, activation):
    A = X
    for W, b in zip(weights, biases):
        A = activation(dense_forward(A, W, b))
    return A
"""),
    ]),
}

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "dense_forward": ["""
def dense_forward(X, W, b):
    n, d_in = X.shape
    if W.shape[0] != d_in:
        raise ValueError(f"shapes {X.shape} and {W.shape} do not chain")
    if b.shape != (W.shape[1],):
        raise ValueError(f"bias of shape {b.shape} does not fit weights of shape {W.shape}")
    Z = np.empty((n, W.shape[1]))
    for i in range(n):
        for j in range(W.shape[1]):
            Z[i, j] = sum(X[i, k] * W[k, j] for k in range(d_in)) + b[j]
    return Z
""", """
def dense_forward(X, W, b):
    if X.shape[-1] != W.shape[0] or b.shape != W.shape[1:]:
        raise ValueError(f"X {X.shape}, W {W.shape} and b {b.shape} do not fit")
    return np.einsum("nk,kj->nj", X, W) + b[None, :]
""", """
def dense_forward(X, W, b):
    try:
        if b.shape != (W.shape[1],):
            raise ValueError
        return np.matmul(X, W) + b
    except ValueError:
        raise ValueError(f"cannot combine X {X.shape}, W {W.shape}, b {b.shape}") from None
"""],
    "mlp_forward": ["""
def mlp_forward(X, weights, biases, activation):
    if len(weights) != len(biases):
        raise ValueError("one bias vector per weight matrix, please")
    A = X.copy()
    for l in range(len(weights)):
        A = activation(dense_forward(A, weights[l], biases[l]))
    return A
""", """
import functools
def mlp_forward(X, weights, biases, activation):
    if len(weights) != len(biases):
        raise ValueError(f"{len(weights)} != {len(biases)}")
    return functools.reduce(lambda A, Wb: activation(dense_forward(A, *Wb)),
                            zip(weights, biases), X)
"""],
}


# The mistakes the instructions warn about, with (part of) the message that the visible tests
# give each of them (tests/test_grading_pipeline.py checks that they do).
for _mistake, _message in [("no shape check", "should name both shapes"),
                           ("X checked but not b", "broadcasts silently"),
                           ("b checked by its length only", "broadcasts silently")]:
    next(m for m in SPECS["dense_forward"].mistakes if m.name == _mistake).visible = _message
