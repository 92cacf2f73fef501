"""Hidden checks for ex10_fast_backprop: backprop_batch (trusted side).

Values are compared with the reference on many shapes, in float64 and float32; the driver also
reports the itemsize of every gradient (8 or 4), so a float32 batch that comes back in float64
is caught. That there is no loop over the samples is checked by behaviour: the driver times a batch
of 1000 against a batch of 10 of the same network (see DRIVER).
"""

from grading.core import Case, Mistake, Spec, np

# float64: the reference and any correct rewrite (sigma' from sigmoid(Z) or from A, einsum,
# means in BP3/BP4 instead of the 1/n in delta, other orders of the same products) agree to a
# few ulps of the largest terms summed, below 1e-14 relative for these sizes (at most 40 terms
# per sum); gradients here are of order 1e-3 to 1, so atol = 1e-12 and rtol = 1e-9 leave a
# margin of 1e4 and are still 1e5 times below the smallest change a catalogued mistake makes
# (a factor n, a missing sigma', sigma' at the output).
TOL64 = dict(rtol=1e-9, atol=1e-12)
# float32: each product and sum rounds to eps32 = 1.2e-7 relative; over at most 40 terms and 4
# layers two correct orders of summation may differ by up to about 40 * 4 * eps32 = 2e-5 of the
# largest term, which is below 1 here. rtol = 1e-4 and atol = 2e-5 sit above that and far below
# any catalogued mistake (a factor n >= 2 or a missing sigma' <= 1/4).
TOL32 = dict(rtol=1e-4, atol=2e-5)

# The driver runs in the student's namespace. For a value case it returns the gradients as
# lists plus the itemsize of each (8 or 4), so that the dtype is compared too. For the timing
# case (two more arguments: a large batch) it times the student's function itself, in the
# sandbox, on a batch of SMALL and a batch of LARGE samples of the same network, keeps the
# fastest of REPEATS runs of each (a run slowed by another job of the machine is simply not the
# fastest), and returns 0.0 when the large batch took less than MAX_RATIO times as long, 1.0
# otherwise: a plain, deterministic value, so that the catalogued loop is recognised by
# comparison like any other mistake, and no time spent passing arrays between processes is
# counted. One BLAS thread, so that threads can neither slow a small product down (chapter 10's
# trap) nor hide a loop.
#
# The threshold. LARGE / SMALL = 100 times the samples on a [30, 20, 10] network. Measured on
# the 2-core machine the book is built on, fastest of 5 runs: the vectorised reference and the
# two alternatives below take 16 to 24 times as long on the large batch (their small batch is
# dominated by fixed costs, about 30 us), the catalogued per-sample loop 190 times (its cost is
# per sample). MAX_RATIO = 60 lies 2.5 times above the slowest vectorised answer and 3 times
# below the loop: a disturbance that slowed only the fastest run of one batch size by a factor
# of 2.5 would be needed to move either across it.
TIMING_SIZES = [30, 20, 10]
SMALL, LARGE, REPEATS, MAX_RATIO = 10, 1000, 5, 60.0

DRIVER = f"""
try:  # once, when the driver is loaded: the sandbox process is thrown away afterwards
    from threadpoolctl import threadpool_limits as _threadpool_limits
    _threadpool_limits(limits=1, user_api="blas")
except Exception:  # without threadpoolctl the products here are too small to be threaded
    pass


def drive(X, Y, weights, biases, X_large=None, Y_large=None):
    if X_large is not None:
        import time

        def fastest(X, Y):
            times = []
            for _ in range({REPEATS}):
                start = time.perf_counter()
                backprop_batch(X, Y, weights, biases)
                times.append(time.perf_counter() - start)
            return min(times)

        fastest(X, Y)  # warm up
        ratio = fastest(X_large, Y_large) / max(fastest(X, Y), 1e-9)
        return 0.0 if ratio < {MAX_RATIO} else 1.0
    grads_W, grads_b = backprop_batch(X, Y, weights, biases)
    grads_W, grads_b = list(grads_W), list(grads_b)
    itemsizes = [int(np.asarray(g).dtype.itemsize) for g in grads_W + grads_b]
    return grads_W, grads_b, itemsizes
"""


def fast_enough(value):
    """Judge of the timing case: None if the large batch was fast enough, else why not."""
    if value == 0.0:
        return None
    return (f"a batch of {LARGE} samples took at least {MAX_RATIO:.0f} times as long as a batch "
            f"of {SMALL} (a version without a loop over the samples takes about 20 times as "
            "long). Your function seems to process the samples one at a time (a for loop, a "
            "comprehension, np.vectorize or np.apply_along_axis over the rows): compute each "
            "layer for the whole batch with one matrix product.")


def _network(rng, sizes, n, dtype=np.float64, scale=1.0):
    X = rng.normal(size=(n, sizes[0]))
    Y = rng.uniform(size=(n, sizes[-1]))
    weights = [scale * rng.normal(0.0, 1.0 / np.sqrt(a), size=(a, b))
               for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(size=b) for b in sizes[1:]]
    cast = (lambda a: a.astype(dtype))
    return cast(X), cast(Y), [cast(W) for W in weights], [cast(b) for b in biases]


def backprop_batch_cases(rng):
    for sizes, n in [([3, 2], 4), ([3, 4, 2], 5), ([2, 3, 3, 1], 1), ([5, 4, 3, 2], 17),
                     ([4, 6, 6, 6, 3], 8), ([1, 1], 3), ([6, 3], 1), ([8, 16, 4], 32)]:
        yield Case(_network(rng, sizes, n), label=f"a network {sizes}, batch of {n}", **TOL64)
    yield Case(_network(rng, [4, 5, 3], 6, scale=8.0),
               label="saturated units (large weights)", **TOL64)
    X, Y, weights, biases = _network(rng, [3, 4, 2], 6)
    yield Case((X, np.round(Y), weights, biases), label="0/1 targets", **TOL64)
    for sizes, n in [([3, 4, 2], 5), ([5, 4, 3, 2], 9), ([2, 2], 1)]:
        yield Case(_network(rng, sizes, n, dtype=np.float32),
                   label=f"float32 inputs, a network {sizes}, batch of {n}", **TOL32)
    X, Y, weights, biases = _network(rng, TIMING_SIZES, SMALL)
    X_large, Y_large = _network(rng, TIMING_SIZES, LARGE)[:2]
    yield Case((X, Y, weights, biases, X_large, Y_large), judge=fast_enough,
               label=f"timing: a batch of {LARGE} against a batch of {SMALL}")


_LOOP = """
def backprop_batch(X, Y, weights, biases):
    n, L = X.shape[0], len(weights)
    grads_W = [np.zeros_like(W) for W in weights]
    grads_b = [np.zeros_like(b) for b in biases]
    for x, y in zip(X, Y):  # one sample at a time
        As = [x[None, :]]
        for W, b in zip(weights, biases):
            As.append(sigmoid(As[-1] @ W + b))
        delta = (As[L] - y) / n
        for layer in range(L - 1, -1, -1):
            grads_W[layer] = grads_W[layer] + As[layer].T @ delta
            grads_b[layer] = grads_b[layer] + delta[0]
            if layer > 0:
                A = As[layer]
                delta = (delta @ weights[layer].T) * A * (1 - A)
    return grads_W, grads_b
"""


def _variant(*replacements):
    """The reference answer with some lines replaced, as students write it."""
    source = """
def backprop_batch(X, Y, weights, biases):
    As = [X]
    for W, b in zip(weights, biases):
        As.append(sigmoid(As[-1] @ W + b))
    L = len(weights)
    delta = (As[L] - Y) / X.shape[0]
    grads_W, grads_b = [None] * L, [None] * L
    for layer in range(L - 1, -1, -1):
        grads_W[layer] = As[layer].T @ delta
        grads_b[layer] = delta.sum(axis=0)
        if layer > 0:
            A = As[layer]
            delta = (delta @ weights[layer].T) * A * (1 - A)
    return grads_W, grads_b
"""
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new)
    return source


SPECS = {
    "backprop_batch": Spec(backprop_batch_cases, driver=DRIVER, mistakes=[
        Mistake("a loop over the samples", "your gradients are right, but you process the "
                "samples one at a time, so the time grows with the batch like a per-sample "
                "loop's. Compute each layer for the whole batch at once: Z = A @ W + b on the "
                "(n, d) matrix A, and A.T @ delta for the weight gradient.", _LOOP),
        Mistake("sigma' at the output", "with the cross-entropy cost and a sigmoid output, "
                "sigma' cancels: the output error is delta = (A - Y) / n. Multiplying by "
                "A (1 - A) gives the quadratic cost's error instead.", _variant(
                    ("delta = (As[L] - Y) / X.shape[0]",
                     "delta = (As[L] - Y) / X.shape[0] * As[L] * (1 - As[L])"))),
        Mistake("float64 for float32 inputs", "with float32 inputs your gradients come back in "
                "float64: something converts them (.astype(float), np.float64(...), "
                "np.zeros(shape) without dtype=). Keep the dtype of the inputs: use Python "
                "numbers as constants and build arrays with np.zeros_like or dtype=X.dtype.",
                _variant(("    As = [X]\n", "    As = [X.astype(float)]\n"))),
        Mistake("sum instead of mean", "the cost is a mean over the n samples, so the output "
                "error is (A - Y) / n; without the 1/n every gradient is n times too large.",
                _variant(("delta = (As[L] - Y) / X.shape[0]", "delta = As[L] - Y"))),
        Mistake("mean twice", "the 1/n belongs in one place: either in delta (then BP3 and BP4 "
                "sum over the rows) or as a mean in BP3 and BP4, not both; your gradients are n "
                "times too small.", _variant(
                    ("grads_W[layer] = As[layer].T @ delta",
                     "grads_W[layer] = As[layer].T @ delta / X.shape[0]"),
                    ("grads_b[layer] = delta.sum(axis=0)",
                     "grads_b[layer] = delta.mean(axis=0)"))),
        Mistake("sigma' of the next layer", "BP2 multiplies by sigma'(Z^(l-1)) = "
                "A^(l-1) (1 - A^(l-1)), the activations of the layer the error is sent to, not "
                "those of the layer it comes from.", _variant(
                    ("            A = As[layer]\n", "            A = As[layer + 1]\n"))),
        Mistake("hidden layers fed from X", "each layer must read the activations of the layer "
                "before it, A^(l-1); you feed every hidden layer from X. With one hidden layer "
                "the two agree, which is why the visible tests pass; with two or more they do "
                "not: As.append(sigmoid(As[-1] @ W + b)).", _variant(
                    ("""    for W, b in zip(weights, biases):
        As.append(sigmoid(As[-1] @ W + b))""",
                     """    for W, b in zip(weights[:-1], biases[:-1]):
        As.append(sigmoid(X @ W + b))
    As.append(sigmoid(As[-1] @ weights[-1] + biases[-1]))"""))),
        Mistake("bias gradient as a row", "the gradient of b must have the shape of b, "
                "(d,): delta.sum(axis=0), without keepdims=True.", _variant(
                    ("delta.sum(axis=0)", "delta.sum(axis=0, keepdims=True)"))),
    ]),
}

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "backprop_batch": ["""
def backprop_batch(X, Y, weights, biases):
    # Keeps Z and takes sigma' from sigmoid(Z); per-sample errors with means in BP3 and BP4.
    Zs, As = [], [X]
    for W, b in zip(weights, biases):
        Zs.append(np.matmul(As[-1], W) + b)
        As.append(sigmoid(Zs[-1]))
    delta = As[-1] - Y
    grads_W, grads_b = [], []
    for layer in reversed(range(len(weights))):
        grads_W.insert(0, np.einsum("ij,ik->jk", As[layer], delta) / len(X))
        grads_b.insert(0, np.mean(delta, axis=0))
        if layer:
            s = sigmoid(Zs[layer - 1])
            delta = np.matmul(delta, weights[layer].T) * (s - s * s)
    return grads_W, grads_b
""", """
def backprop_batch(X, Y, weights, biases):
    # Recursive over the layers; tuples instead of lists.
    n = len(X)

    def go(A_prev, l):
        A = sigmoid(A_prev @ weights[l] + biases[l])
        if l == len(weights) - 1:
            delta = (A - Y) / n
            gW, gb = (), ()
        else:
            delta_next, gW, gb = go(A, l + 1)
            delta = (delta_next @ weights[l + 1].T) * A * (1 - A)
        return delta, (A_prev.T @ delta,) + gW, (delta.sum(axis=0),) + gb

    _, grads_W, grads_b = go(X, 0)
    return grads_W, grads_b
"""],
}
