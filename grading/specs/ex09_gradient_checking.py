"""Hidden checks for ex09_gradient_checking: relative_error and grad_check (trusted side).

The costs ``f`` handed to grad_check are plain functions of this module: the student's code
receives a proxy that evaluates them here, on the trusted side.
"""

from grading.core import VISIBLE, Case, Mistake, Spec, np

# relative_error: the reference computes in float64; a correct rewrite (another order of the
# same max and abs, Python's max, norms with ord=inf) is exact or within a few ulps, i.e. 1e-15
# relative. Computing in float32 from float32 inputs, which the instructions advise against
# but which is not wrong, moves the result by at most 2 eps32 = 2.4e-7 relative; hence
# rtol = 1e-6 for the float32 case. Every catalogued mistake changes the result by more than
# 1e-3 relative somewhere (or gives NaN, or fails to raise).
REL_TOL = dict(rtol=1e-9, atol=1e-15)
REL_TOL32 = dict(rtol=1e-6, atol=1e-15)

# grad_check returns relative errors. Where the gradient is right and h = 1e-5 they are at
# round-off level (about 1e-10), and two correct implementations may differ there by that much
# (x - h computed as (x + h) - 2h lands one ulp away and moves a difference quotient by about
# eps |f| / h = 1e-11 relative). Hence atol = 1e-8: a hundred times the round-off. The catalogued
# mistakes move the errors by far more: a forward difference by h |f''| / |f'| (above 1e-6 at
# h = 1e-5 on these costs, above 1e-3 at h = 1e-2), a wrong divisor or an ignored h by 1e-2 or
# more. Where the errors are large (a wrong gradient, a kink, h = 1e-2) correct implementations
# agree to 1e-10 relative; rtol = 1e-6 leaves a margin of 1e4.
GC_TOL = dict(rtol=1e-6, atol=1e-8)
# float32 parameters: each nudged entry x +- h is rounded to the float32 grid, whose spacing is
# eps32 |x| <= 1.2e-7 * 4 here. Two correct implementations may round it differently (float32
# arithmetic, or a float64 copy that f rounds to float32): one grid step moves a difference
# quotient by eps32 |x| / (2h) <= 2.4e-5 relative at h = 1e-2 and 4.8e-5 at h = 5e-3, so the
# relative errors returned may differ by about that much. atol = 5e-4 is ten times it; a forward
# difference at these steps is off by more than 1e-3 (checked on these cases).
GC_TOL32 = dict(rtol=1e-2, atol=5e-4)

# ---------------------------------------------------------------------------------------
# relative_error


def relative_error_cases(rng):
    for shape in [(3,), (2, 3), (2, 2, 2), (5, 1)]:
        g = rng.normal(size=shape)
        yield Case((g, g + 1e-7 * rng.normal(size=shape)), label="two close arrays", **REL_TOL)
        yield Case((g, rng.normal(size=shape)), label="two different arrays", **REL_TOL)
    g = rng.normal(size=(3, 4))
    yield Case((1e-12 * g, 1e-12 * (g + 0.01 * rng.normal(size=(3, 4)))),
               label="gradients of size 1e-12 (the result must not depend on the scale)",
               **REL_TOL)
    yield Case((1e8 * g, 1e8 * (g + 0.01 * rng.normal(size=(3, 4)))),
               label="gradients of size 1e8", **REL_TOL)
    near_zero = np.array([0.8, -1.1, 3e-9, 0.4])
    yield Case((near_zero, near_zero + np.array([2e-9, -1e-9, 4e-9, 0.0])),
               label="one entry close to zero", **REL_TOL)
    yield Case((np.zeros((2, 3)), np.zeros((2, 3))), label="two zero arrays", **REL_TOL)
    yield Case((np.zeros(4), rng.normal(size=4)), label="a zero array against a nonzero one",
               **REL_TOL)
    yield Case((g, -g), label="opposite arrays", **REL_TOL)
    yield Case((g, g.copy()), label="equal arrays", **REL_TOL)
    yield Case((np.zeros(0), np.zeros(0)), label="two empty arrays", **REL_TOL)
    yield Case((np.zeros((0, 3)), np.zeros((0, 3))), label="two empty (0, 3) arrays", **REL_TOL)
    yield Case((1.0, 1.5), label="two numbers", **REL_TOL)
    yield Case((0.0, 0.0), label="two zeros", **REL_TOL)
    yield Case((-2.0, 3.0), label="two numbers of opposite signs", **REL_TOL)
    g32 = rng.normal(size=(3, 3)).astype(np.float32)
    yield Case((g32, (g32 + np.float32(1e-3) * rng.normal(size=(3, 3)).astype(np.float32))),
               label="float32 arrays", **REL_TOL32)
    yield Case((np.array([1, 2, 3]), np.array([1, 2, 5])), label="integer arrays", **REL_TOL)
    yield Case((np.ones(3), np.ones((3, 1))), label="shapes (3,) and (3, 1), which broadcast",
               raises=ValueError, mentions=("(3,)", "(3, 1)"))
    yield Case((np.ones((2, 3)), np.ones((3, 2))), label="shapes (2, 3) and (3, 2)",
               raises=ValueError, mentions=("(2, 3)", "(3, 2)"))
    yield Case((np.ones(4), np.ones(5)), label="shapes (4,) and (5,)",
               raises=ValueError, mentions=("(4,)", "(5,)"))
    # The visible tests' inputs (tests/test_fairness.py checks that every one is here).
    g = np.array([[0.5, -1.5], [2.0, 0.25]])
    for a, b in [(np.array([1.0, 2.0]), np.array([1.0, 4.0])), (g, g), (g, -g),
                 (g, np.zeros((2, 2))), (np.zeros(3), np.zeros(3)),
                 (2.0 ** -40 * np.array([1.0, 2.0]), 2.0 ** -40 * np.array([1.0, 4.0]))]:
        yield Case((a, b), label=VISIBLE, **REL_TOL)


# ---------------------------------------------------------------------------------------
# grad_check: the costs and their exact gradients, written here independently

def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_network(rng, sizes, n):
    """Quadratic cost of a sigmoid network, f([W1, .., WL, b1, .., bL]), and its exact gradient."""
    L = len(sizes) - 1
    X, Y = rng.normal(size=(n, sizes[0])), rng.uniform(size=(n, sizes[-1]))
    params = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    params += [rng.normal(size=b) for b in sizes[1:]]

    def f(ps):
        A = X
        for W, b in zip(ps[:L], ps[L:]):
            A = _sigmoid(A @ W + b)
        return float(np.sum((A - Y) ** 2) / (2 * n))

    As = [X]
    for W, b in zip(params[:L], params[L:]):
        As.append(_sigmoid(As[-1] @ W + b))
    delta = (As[-1] - Y) / n * As[-1] * (1 - As[-1])
    gW, gb = [None] * L, [None] * L
    for k in range(L - 1, -1, -1):
        gW[k], gb[k] = As[k].T @ delta, delta.sum(axis=0)
        delta = delta @ params[k].T * As[k] * (1 - As[k])
    return f, params, gW + gb


def separable(rng, shapes):
    """f = sum over arrays of sum(sin(s P) + P^3 / 3): gradients s cos(s P) + P^2."""
    scales = [rng.uniform(0.5, 2.0, size=shape) for shape in shapes]
    params = [rng.normal(size=shape) for shape in shapes]

    def f(ps):
        return float(sum(np.sum(np.sin(s * P) + P ** 3 / 3) for s, P in zip(scales, ps)))

    return f, params, [s * np.cos(s * P) + P ** 2 for s, P in zip(scales, params)]


def relu_layer(rng, at_kink):
    """f(w, c) = sum(relu(X w + c)) with, if at_kink, one weighted input exactly at 0."""
    X = rng.normal(size=(6, 3))
    X[0] = [1.0, 0.5, -0.25]
    w = np.array([0.0, 0.5, 1.0]) if at_kink else rng.normal(size=3)
    c = np.zeros(1)  # X[0] @ w + c = 0.25 - 0.25 + 0 = 0 exactly when at_kink

    def f(ps):
        return float(np.sum(np.maximum(X @ ps[0] + ps[1], 0.0)))

    on = ((X @ w + c) > 0).astype(float)  # slope 0 at exactly 0
    return f, [w, c], [on @ X, np.array([on.sum()])]


def clipped(rng):
    """f(v) = sum(clip(v, -1, 1)^2) with one entry exactly on the clip edge 1."""
    v = rng.normal(size=5)
    v[2] = 1.0

    def f(ps):
        return float(np.sum(np.clip(ps[0], -1.0, 1.0) ** 2))

    inside = (np.abs(v) < 1).astype(float)
    return f, [v], [2 * v * inside]


def network32(rng, sizes, n):
    """The sigmoid network's cost computed in float32 from float32 parameters."""
    f64, params, grads = sigmoid_network(rng, sizes, n)
    L = len(sizes) - 1
    X, Y = rng.normal(size=(n, sizes[0])), rng.uniform(size=(n, sizes[-1]))
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)

    def f(ps):
        A = X32
        for W, b in zip(ps[:L], ps[L:]):
            A = _sigmoid(A @ np.asarray(W, np.float32) + np.asarray(b, np.float32))
            A = A.astype(np.float32)
        return float(np.sum((A - Y32) ** 2, dtype=np.float32) / np.float32(2 * n))

    # Exact gradient of this float32 cost, computed in float64 at the float32 parameters.
    P = [p.astype(np.float32) for p in params]
    As = [X32.astype(np.float64)]
    for W, b in zip(P[:L], P[L:]):
        As.append(_sigmoid(As[-1] @ W.astype(np.float64) + b.astype(np.float64)))
    delta = (As[-1] - Y32) / n * As[-1] * (1 - As[-1])
    gW, gb = [None] * L, [None] * L
    for k in range(L - 1, -1, -1):
        gW[k], gb[k] = As[k].T @ delta, delta.sum(axis=0)
        delta = delta @ P[k].T.astype(np.float64) * As[k] * (1 - As[k])
    return f, P, gW + gb


def squares_and_cubes(params):
    """The visible tests' cost: sum W^2 + sum b^3, of params = [W, b]."""
    W, b = params
    return np.sum(W ** 2) + np.sum(b ** 3)


def relu_sum(params):
    """The visible tests' kink: sum relu(w), of params = [w]."""
    return np.sum(np.maximum(params[0], 0.0))


def sum_of_cubes(params):
    """The visible tests' check of h: sum v^3, of params = [v]."""
    return np.sum(params[0] ** 3)


def grad_check_cases(rng):
    for sizes, n in [([3, 2], 4), ([3, 4, 2], 5), ([2, 3, 3, 1], 4)]:
        f, params, grads = sigmoid_network(rng, sizes, n)
        yield Case((f, params, grads), label=f"a sigmoid network {sizes}, correct gradients",
                   **GC_TOL)
    f, params, grads = sigmoid_network(rng, [3, 3, 2], 4)
    wrong = list(grads)
    wrong[0] = grads[0].T.copy()  # the square W1 given transposed
    wrong[3] = 2 * grads[3]        # b2 twice too large
    yield Case((f, params, wrong), label="a sigmoid network with two wrong gradients", **GC_TOL)
    yield Case((f, params, [np.zeros_like(g) for g in grads]),
               label="all-zero gradients claimed", **GC_TOL)
    f, params, grads = separable(rng, [(2, 3), (4,), (2, 2, 2)])
    yield Case((f, params, grads), label="arrays of 1, 2 and 3 dimensions", **GC_TOL)
    yield Case((f, params, grads), {"h": 1e-2}, label="the same, with h = 1e-2", **GC_TOL)
    f, params, grads = separable(rng, [(3,)])
    yield Case((f, params, grads), {"h": 1e-3}, label="one array, with h = 1e-3", **GC_TOL)
    f, params, grads = sigmoid_network(rng, [2, 3, 2], 3)
    yield Case((f, params, grads), {"h": 0.05}, label="a sigmoid network, with h = 0.05",
               **GC_TOL)
    f, params, grads = relu_layer(rng, at_kink=True)
    yield Case((f, params, grads), label="a ReLU layer with a weighted input exactly at its kink",
               **GC_TOL)
    f, params, grads = relu_layer(rng, at_kink=False)
    yield Case((f, params, grads), label="a ReLU layer away from its kinks", **GC_TOL)
    f, params, grads = clipped(rng)
    yield Case((f, params, grads), label="a clipped value exactly at the clip edge", **GC_TOL)
    for sizes, n, h in [([3, 4, 2], 5, 1e-2), ([2, 3, 1], 4, 5e-3)]:
        f, params, grads = network32(rng, sizes, n)
        yield Case((f, params, grads), {"h": h},
                   label=f"float32 parameters of a network {sizes}, h = {h:g}", **GC_TOL32)
    W, b = np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([0.3, -0.7, 1.1])
    yield Case((squares_and_cubes, [W, b], [2 * W, 3 * b ** 2]), label=VISIBLE, **GC_TOL)
    yield Case((squares_and_cubes, [W, b], [W, 3 * b ** 2]), label=VISIBLE, **GC_TOL)
    yield Case((relu_sum, [np.array([0.0, 1.0])], [np.array([0.0, 1.0])]), label=VISIBLE,
               **GC_TOL)
    yield Case((sum_of_cubes, [np.array([1.0])], [np.array([3.0])]), {"h": 0.1}, label=VISIBLE,
               **GC_TOL)


SPECS = {
    "relative_error": Spec(relative_error_cases, mistakes=[
        Mistake("0 / 0 for two zero arrays", "for two all-zero arrays the denominator "
                "max(|a| + |b|) is 0 and your result is 0 / 0 = NaN. Two zero arrays are equal: "
                "return 0.0 when the denominator is 0.", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / np.max(np.abs(a) + np.abs(b)))
"""),
        Mistake("epsilon in the denominator", "adding a small number to the denominator makes "
                "the result depend on the scale of the gradients: for gradients of size 1e-12 it "
                "is far too small. Divide by max(|a| + |b|) itself and treat a zero denominator "
                "separately (return 0.0).", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / (np.max(np.abs(a) + np.abs(b)) + 1e-8))
"""),
        Mistake("the larger of the two sizes", "the denominator is the largest |a_i| + |b_i|, "
                "the sum of the two sizes; max(max|a|, max|b|) is another formula and gives "
                "other values (2 instead of 1 for opposite arrays).", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)
"""),
        Mistake("entry by entry", "you take the largest ratio entry by entry, "
                "max(|a_i - b_i| / (|a_i| + |b_i|)). An entry close to zero then dominates and "
                "a correct gradient is flagged. Divide the largest difference by the largest "
                "size over the whole array.", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}")
    if a.size == 0:
        return 0.0
    sizes = np.abs(a) + np.abs(b)
    ratios = np.where(sizes > 0, np.abs(a - b) / np.where(sizes > 0, sizes, 1.0), 0.0)
    return float(np.max(ratios))
"""),
        Mistake("norms", "||a - b|| / (||a|| + ||b||) with Euclidean norms is another, also "
                "common, definition; this book uses the largest entries: "
                "max|a_i - b_i| / max(|a_i| + |b_i|).", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)
"""),
        Mistake("means", "you average the differences and the sizes; the book's relative error "
                "takes the largest of each, so that one bad entry among many good ones shows.", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}")
    if a.size == 0:
        return 0.0
    scale = np.mean(np.abs(a) + np.abs(b))
    return 0.0 if scale == 0 else float(np.mean(np.abs(a - b)) / scale)
"""),
        Mistake("no shape check", "arrays of shapes (3,) and (3, 1) broadcast to (3, 3) and give "
                "a number that compares the wrong entries. Check a.shape == b.shape first and "
                "raise ValueError(f'a has shape {a.shape} but b has shape {b.shape}').", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size == 0:
        return 0.0
    scale = np.max(np.abs(a) + np.abs(b))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)
"""),
        Mistake("empty arrays", "np.max of an empty array raises ValueError; two empty arrays "
                "have nothing to disagree on: return 0.0 when a.size == 0.", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}")
    scale = np.max(np.abs(a) + np.abs(b))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)
"""),
    ]),
    "grad_check": Spec(grad_check_cases, helpers=("relative_error",), mistakes=[
        Mistake("forward difference", "(f(theta + h) - f(theta)) / h is a one-sided difference, "
                "with an error of order h; use the centred difference "
                "(f(theta + h) - f(theta - h)) / (2h), whose error is of order h^2.", """
def grad_check(f, params, grads, h=1e-5):
    f0 = f(params)
    errors = []
    for P, G in zip(params, grads):
        numeric = np.zeros(P.shape)
        for idx in np.ndindex(P.shape):
            old = P[idx]
            P[idx] = old + h
            numeric[idx] = (f(params) - f0) / h
            P[idx] = old
        errors.append(relative_error(G, numeric))
    return errors
"""),
        Mistake("divided by h", "theta + h and theta - h are 2h apart: divide the difference by "
                "2 * h, not by h (your numerical gradient is twice too large).", """
def grad_check(f, params, grads, h=1e-5):
    errors = []
    for P, G in zip(params, grads):
        numeric = np.zeros(P.shape)
        for idx in np.ndindex(P.shape):
            old = P[idx]
            P[idx] = old + h
            up = f(params)
            P[idx] = old - h
            down = f(params)
            P[idx] = old
            numeric[idx] = (up - down) / h
        errors.append(relative_error(G, numeric))
    return errors
"""),
        Mistake("h ignored", "you nudge by a fixed step instead of the h argument: when the "
                "caller passes h, use that h.", """
def grad_check(f, params, grads, h=1e-5):
    errors = []
    for P, G in zip(params, grads):
        numeric = np.zeros(P.shape)
        for idx in np.ndindex(P.shape):
            old = P[idx]
            P[idx] = old + 1e-5
            up = f(params)
            P[idx] = old - 1e-5
            down = f(params)
            P[idx] = old
            numeric[idx] = (up - down) / 2e-5
        errors.append(relative_error(G, numeric))
    return errors
"""),
        Mistake("never restored", "you nudge the entries of params in place and never put them "
                "back, so the caller's parameters come back changed and each later entry is "
                "differentiated at a moved point. Save old = P[idx] and restore P[idx] = old "
                "after the two evaluations.", """
def grad_check(f, params, grads, h=1e-5):
    errors = []
    for P, G in zip(params, grads):
        numeric = np.zeros(P.shape)
        for idx in np.ndindex(P.shape):
            P[idx] += h
            up = f(params)
            P[idx] -= 2 * h
            down = f(params)
            numeric[idx] = (up - down) / (2 * h)
        errors.append(relative_error(G, numeric))
    return errors
"""),
        Mistake("restored by adding h back", "you put each entry back by adding h after "
                "subtracting 2h; in floating point that is often not exactly the old value, so "
                "the caller's parameters come back changed in their last digits. Save "
                "old = P[idx] first and restore it exactly with P[idx] = old.", """
def grad_check(f, params, grads, h=1e-5):
    errors = []
    for P, G in zip(params, grads):
        numeric = np.zeros(P.shape)
        for idx in np.ndindex(P.shape):
            P[idx] += h
            up = f(params)
            P[idx] -= 2 * h
            down = f(params)
            P[idx] += h
            numeric[idx] = (up - down) / (2 * h)
        errors.append(relative_error(G, numeric))
    return errors
"""),
        Mistake("one number", "grad_check returns a list with one relative error per parameter "
                "array (so that the failing layer shows), not the largest one.", """
def grad_check(f, params, grads, h=1e-5):
    errors = []
    for P, G in zip(params, grads):
        numeric = np.zeros(P.shape)
        for idx in np.ndindex(P.shape):
            old = P[idx]
            P[idx] = old + h
            up = f(params)
            P[idx] = old - h
            down = f(params)
            P[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        errors.append(relative_error(G, numeric))
    return max(errors)
"""),
        Mistake("every entry at once", "f(P + h) - f(P - h) nudges every entry of an array at "
                "once: it measures one slope along (1, 1, ..., 1), not the gradient. Nudge one "
                "entry at a time and store one partial derivative per entry.", """
def grad_check(f, params, grads, h=1e-5):
    errors = []
    for k, (P, G) in enumerate(zip(params, grads)):
        up = f(params[:k] + [P + h] + params[k + 1:])
        down = f(params[:k] + [P - h] + params[k + 1:])
        errors.append(relative_error(G, np.full(P.shape, (up - down) / (2 * h))))
    return errors
"""),
    ]),
}

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "relative_error": ["""
def relative_error(a, b):
    # Python's max over float64 entries, an explicit zero test.
    a = np.array(a, dtype=np.float64, ndmin=0)
    b = np.array(b, dtype=np.float64, ndmin=0)
    if np.shape(a) != np.shape(b):
        raise ValueError("shapes differ: a has shape " + str(a.shape) + " but b has shape "
                         + str(b.shape))
    if a.size == 0:
        return 0.0
    difference = np.abs(a - b).max()
    size = (np.abs(a) + np.abs(b)).max()
    if size == 0.0:
        return 0.0
    return float(difference / size)
""", """
def relative_error(a, b):
    # Infinity norms of the flattened arrays; a floor at the smallest normal float64.
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shape {a.shape} with shape {b.shape}")
    if not a.size:
        return 0.0
    top = np.linalg.norm((a - b).ravel(), np.inf)
    bottom = max(np.linalg.norm((np.abs(a) + np.abs(b)).ravel(), np.inf), np.finfo(float).tiny)
    return float(top / bottom)
"""],
    "grad_check": ["""
def grad_check(f, params, grads, h=1e-5):
    # Nudges copies: the caller's arrays are never touched.
    errors = []
    for k in range(len(params)):
        numeric = np.empty(params[k].shape)
        for idx in np.ndindex(params[k].shape):
            plus, minus = params[k].copy(), params[k].copy()
            plus[idx] += h
            minus[idx] -= h
            f_plus = f(params[:k] + [plus] + params[k + 1:])
            f_minus = f(params[:k] + [minus] + params[k + 1:])
            numeric[idx] = (f_plus - f_minus) / (2 * h)
        errors.append(relative_error(grads[k], numeric))
    return errors
""", """
def grad_check(f, params, grads, h=1e-5):
    # A flat view of each array, nudged through its flat index and restored exactly.
    def centred(P):
        flat = P.reshape(-1)
        out = np.zeros(flat.size)
        for i in range(flat.size):
            saved = flat[i]
            flat[i] = saved + h
            f_up = f(params)
            flat[i] = saved - h
            f_down = f(params)
            flat[i] = saved
            out[i] = (f_up - f_down) / (2 * h)
        return out.reshape(P.shape)

    return [relative_error(G, centred(P)) for P, G in zip(params, grads)]
"""],
}
