"""Hidden checks for ex07_broadcasting: outer_weight_change, batch_weight_grad, batch_bias_grad,
standardize."""

from grading.core import VISIBLE, Case, Mistake, Spec, np

# (d_in, d_out): several with d_in == d_out, where a transposed or elementwise answer runs.
OUTER_SHAPES = [(3, 2), (1, 1), (4, 4), (5, 1), (1, 6), (7, 3), (2, 2), (2, 5)]
# (n, d_in, d_out): n = 1, d = 1, square cases, and n equal to d_in (where / d_in looks right).
BATCH_SHAPES = [(1, 1, 1), (1, 3, 2), (4, 3, 2), (5, 5, 5), (6, 2, 6), (3, 3, 3), (2, 7, 1),
                (10, 4, 3), (8, 1, 8), (7, 5, 2)]


def outer_weight_change_cases(rng):
    for d_in, d_out in OUTER_SHAPES:
        yield Case((rng.normal(size=d_out), rng.normal(size=d_in), float(rng.uniform(0.05, 2.0))),
                   label="random vectors")
    yield Case((rng.normal(size=3), rng.normal(size=4), np.float64(0.5)),
               label="lr given as np.float64")
    # The visible tests' input (tests/test_fairness.py checks that every one is here).
    yield Case((np.array([0.25, -0.5]), np.array([0.5, 0.1, -0.2]), 0.5), label=VISIBLE)


def batch_weight_grad_cases(rng):
    for n, d_in, d_out in BATCH_SHAPES:
        yield Case((rng.normal(size=(n, d_in)), rng.normal(size=(n, d_out))), label="random batch")
    for (n1, d_in), (n2, d_out) in [((4, 3), (5, 2)), ((1, 2), (3, 2)), ((6, 6), (5, 6))]:
        A_prev, Delta = rng.normal(size=(n1, d_in)), rng.normal(size=(n2, d_out))
        yield Case((A_prev, Delta), label="row counts that differ", raises=ValueError,
                   mentions=(str(A_prev.shape), str(Delta.shape)))
    yield Case((np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([[1.0], [2.0], [3.0]])),
               label=VISIBLE)
    yield Case((np.ones((3, 2)), np.ones((4, 1))), label=VISIBLE, raises=ValueError,
               mentions=("(3, 2)", "(4, 1)"))


def batch_bias_grad_cases(rng):
    for n, d_out in [(1, 3), (4, 3), (3, 3), (5, 1), (1, 1), (10, 6), (2, 7), (6, 2)]:
        yield Case((rng.normal(size=(n, d_out)),), label="random batch")
    yield Case((np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]),), label=VISIBLE)


def _constant_columns_not_exact(rng):
    """A matrix with constant columns of 0.1 and 0.7, whose computed standard deviation is a
    rounding-sized positive number rather than 0 (checked here, so the case stays meaningful)."""
    n = 6
    X = np.column_stack([rng.normal(170.0, 10.0, n), np.full(n, 0.1), rng.normal(size=n),
                         np.full(n, 0.7)])
    sd = X.std(axis=0)
    assert 0.0 < sd[1] < 1e-15 and 0.0 < sd[3] < 1e-15, sd
    return X


def standardize_cases(rng):
    # Every case is strict: no division warning, no invalid value, no NaN. Columns have ordinary
    # spreads (no legitimately tiny standard deviations), so a tolerance-based constant test such
    # as sd < 1e-12 is also accepted.
    for n, d in [(5, 3), (1, 4), (8, 1), (2, 2), (20, 4), (3, 6)]:
        yield Case((rng.normal(size=(n, d)),), label="random matrix", strict_fp=True)
    X = rng.normal(size=(12, 4)) * np.array([1e3, 1e-3, 1.0, 50.0]) + np.array([170.0, 0.02, -3.0, 0.0])
    yield Case((X,), label="columns of very different scales and means", strict_fp=True)
    X = rng.normal(size=(6, 4))
    X[:, 1] = 1.0
    X[:, 3] = -2.5
    yield Case((X,), label="exactly constant columns", strict_fp=True)
    yield Case((np.zeros((4, 3)),), label="an all-zero matrix", strict_fp=True)
    yield Case((_constant_columns_not_exact(rng),),
               label="constant columns whose computed sd is a rounding error, not 0", strict_fp=True)
    yield Case((rng.integers(0, 3, size=(7, 5)).astype(float),),
               label="small whole numbers, possibly with constant columns", strict_fp=True)
    yield Case((np.array([[1.0, 5.0, 0.0], [2.0, 5.0, 0.0], [3.0, 5.0, 3.0]]),), label=VISIBLE,
               strict_fp=True)


SPECS = {
    "outer_weight_change": Spec(outer_weight_change_cases, mistakes=[
        Mistake("transposed", "your weight change is the transpose of the expected one: entry "
                "[j, k] belongs to input j and output k, so a_prev gives the rows and delta the "
                "columns: lr * a_prev[:, None] * delta[None, :], shape (d_in, d_out).", """
def outer_weight_change(delta, a_prev, lr):
    return lr * delta[:, None] * a_prev[None, :]
"""),
        Mistake("elementwise", "delta * a_prev multiplies the two vectors entry by entry: it "
                "only runs when d_in == d_out, and even then it is not the weight change. Make "
                "a_prev a column and delta a row: lr * a_prev[:, None] * delta[None, :].", """
def outer_weight_change(delta, a_prev, lr):
    return lr * delta * a_prev
"""),
        Mistake("inner product", "a_prev @ delta (or np.dot) of two 1-D arrays is their inner "
                "product, a single number. The weight change is their outer product, "
                "lr * a_prev[:, None] * delta[None, :] (np.outer(a_prev, delta) also works).", """
def outer_weight_change(delta, a_prev, lr):
    return lr * (a_prev @ delta)
"""),
        Mistake("lr forgotten", "the learning rate is missing: multiply the outer product by lr.", """
def outer_weight_change(delta, a_prev, lr):
    return a_prev[:, None] * delta[None, :]
"""),
        Mistake("sign flipped", "the weight change here is +lr * a_prev[j] * delta[k] (the rule "
                "Delta w = eta * delta * x of the chapter): leave out the minus sign.", """
def outer_weight_change(delta, a_prev, lr):
    return -lr * a_prev[:, None] * delta[None, :]
"""),
        Mistake("scaled in place", "a_prev *= lr changes the caller's array. Write "
                "lr * a_prev[:, None] * delta[None, :], which builds a new array.", """
def outer_weight_change(delta, a_prev, lr):
    a_prev *= lr
    return a_prev[:, None] * delta[None, :]
"""),
    ]),
    "batch_weight_grad": Spec(batch_weight_grad_cases, mistakes=[
        Mistake("no shape check", "NumPy's own error for a matrix product does not name both "
                "shapes. Check A_prev.shape[0] == Delta.shape[0] yourself and raise ValueError "
                "with a message that shows both shapes, e.g. f\"A_prev has shape {A_prev.shape} "
                "but Delta has shape {Delta.shape}\".", """
def batch_weight_grad(A_prev, Delta):
    return A_prev.T @ Delta / A_prev.shape[0]
"""),
        Mistake("transposed", "Delta.T @ A_prev has shape (d_out, d_in), the transpose of the "
                "gradient. Put A_prev first: A_prev.T @ Delta / n has the shape (d_in, d_out) of "
                "the weights.", """
def batch_weight_grad(A_prev, Delta):
    if A_prev.shape[0] != Delta.shape[0]:
        raise ValueError(f"A_prev {A_prev.shape} and Delta {Delta.shape}")
    return Delta.T @ A_prev / A_prev.shape[0]
"""),
        Mistake("sum, not mean", "A_prev.T @ Delta is the sum of the per-sample outer products; "
                "the gradient asked for is their mean: divide by the number of samples n = "
                "A_prev.shape[0].", """
def batch_weight_grad(A_prev, Delta):
    if A_prev.shape[0] != Delta.shape[0]:
        raise ValueError(f"A_prev {A_prev.shape} and Delta {Delta.shape}")
    return A_prev.T @ Delta
"""),
        Mistake("divided by d_in", "you divided by A_prev.shape[1], the number of input units. "
                "The mean is over the samples, the rows: divide by n = A_prev.shape[0].", """
def batch_weight_grad(A_prev, Delta):
    if A_prev.shape[0] != Delta.shape[0]:
        raise ValueError(f"A_prev {A_prev.shape} and Delta {Delta.shape}")
    return A_prev.T @ Delta / A_prev.shape[1]
"""),
        Mistake("divided by d_out", "you divided by Delta.shape[1], the number of output units. "
                "The mean is over the samples, the rows: divide by n = A_prev.shape[0].", """
def batch_weight_grad(A_prev, Delta):
    if A_prev.shape[0] != Delta.shape[0]:
        raise ValueError(f"A_prev {A_prev.shape} and Delta {Delta.shape}")
    return A_prev.T @ Delta / Delta.shape[1]
"""),
    ]),
    "batch_bias_grad": Spec(batch_bias_grad_cases, mistakes=[
        Mistake("keepdims", "your bias gradient has shape (1, d_out); expected (d_out,), the "
                "shape of b. Did you use keepdims=True? Reduce without it: Delta.mean(axis=0).", """
def batch_bias_grad(Delta):
    return Delta.mean(axis=0, keepdims=True)
"""),
        Mistake("sum, not mean", "Delta.sum(axis=0) is the sum over the samples; the gradient "
                "asked for is the mean: Delta.mean(axis=0) (or divide by n = Delta.shape[0]).", """
def batch_bias_grad(Delta):
    return Delta.sum(axis=0)
"""),
        Mistake("axis=1", "axis=1 averages the output units of each sample, giving one number "
                "per sample. A bias gradient averages over the samples, the rows: "
                "Delta.mean(axis=0), shape (d_out,).", """
def batch_bias_grad(Delta):
    return Delta.mean(axis=1)
"""),
        Mistake("no axis", "np.mean(Delta) without an axis averages every entry into one number; "
                "each bias needs its own column mean: Delta.mean(axis=0), shape (d_out,).", """
def batch_bias_grad(Delta):
    return np.mean(Delta)
"""),
        Mistake("divided by d_out", "you divided the column sums by Delta.shape[1], the number of "
                "output units. The mean is over the samples: divide by n = Delta.shape[0], or use "
                "Delta.mean(axis=0).", """
def batch_bias_grad(Delta):
    return Delta.sum(axis=0) / Delta.shape[1]
"""),
    ]),
    "standardize": Spec(standardize_cases, mistakes=[
        Mistake("guarded with sd == 0", "a constant column of 0.1 has a computed standard "
                "deviation of about 1e-17, not exactly 0 (0.1 is not exact in binary), so a "
                "guard like sd == 0 misses it and the column comes out as +-1 instead of 0. "
                "Detect constant columns exactly with X.max(axis=0) == X.min(axis=0), divide them "
                "by 1 and set them to 0.", """
def standardize(X):
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    return (X - mu) / np.where(sd == 0, 1.0, sd)
"""),
        Mistake("division by zero", "a constant column has standard deviation 0, and 0 / 0 gives "
                "NaN with a warning. Detect constant columns (X.max(axis=0) == X.min(axis=0)), "
                "divide them by 1 instead and set them to 0. np.where(sd == 0, 0, (X - mu) / sd) "
                "does not help: np.where computes the division everywhere first.", """
def standardize(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)
"""),
        Mistake("ddof=1", "you divided by n - 1 (ddof=1, the sample standard deviation). This "
                "exercise uses the population standard deviation, dividing by n: NumPy's default "
                "X.std(axis=0).", """
def standardize(X):
    constant = X.max(axis=0) == X.min(axis=0)
    Xs = (X - X.mean(axis=0)) / np.where(constant, 1.0, X.std(axis=0, ddof=1))
    Xs[:, constant] = 0.0
    return Xs
"""),
        Mistake("rows standardized", "you standardized each row (axis=1). Each column is a "
                "feature: take the mean and standard deviation over the samples, axis=0.", """
def standardize(X):
    constant = X.max(axis=1, keepdims=True) == X.min(axis=1, keepdims=True)
    sd = X.std(axis=1, keepdims=True)
    Xs = (X - X.mean(axis=1, keepdims=True)) / np.where(constant, 1.0, sd)
    return np.where(constant, 0.0, Xs)
"""),
        Mistake("whole array", "X.mean() and X.std() without an axis use every entry of the "
                "matrix at once. Each column needs its own mean and standard deviation: "
                "X.mean(axis=0), X.std(axis=0).", """
def standardize(X):
    sd = X.std()
    return (X - X.mean()) / (sd if sd > 0 else 1.0)
"""),
        Mistake("variance", "you divided by the variance X.var(axis=0); divide by the standard "
                "deviation X.std(axis=0), its square root.", """
def standardize(X):
    constant = X.max(axis=0) == X.min(axis=0)
    Xs = (X - X.mean(axis=0)) / np.where(constant, 1.0, X.var(axis=0))
    Xs[:, constant] = 0.0
    return Xs
"""),
        Mistake("in place", "X -= ... and X /= ... change the caller's array. Compute a new "
                "array: Xs = (X - mu) / sd.", """
def standardize(X):
    constant = X.max(axis=0) == X.min(axis=0)
    sd = np.where(constant, 1.0, X.std(axis=0))
    X -= X.mean(axis=0)
    X /= sd
    X[:, constant] = 0.0
    return X
"""),
    ]),
}

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "outer_weight_change": ["""
def outer_weight_change(delta, a_prev, lr):
    return lr * np.outer(a_prev, delta)
""", """
def outer_weight_change(delta, a_prev, lr):
    return np.einsum("j,k->jk", a_prev, delta) * lr
""", """
def outer_weight_change(delta, a_prev, lr):
    dW = np.zeros((len(a_prev), len(delta)))
    for j in range(len(a_prev)):
        for k in range(len(delta)):
            dW[j, k] = lr * a_prev[j] * delta[k]
    return dW
""", """
def outer_weight_change(delta, a_prev, lr):
    return lr * (a_prev.reshape(-1, 1) @ delta.reshape(1, -1))
"""],
    "batch_weight_grad": ["""
def batch_weight_grad(A_prev, Delta):
    n = len(A_prev)
    if len(Delta) != n:
        raise ValueError(f"{A_prev.shape} and {Delta.shape} have different numbers of rows")
    return np.einsum("ij,ik->jk", A_prev, Delta) / n
""", """
def batch_weight_grad(A_prev, Delta):
    if A_prev.shape[0] != Delta.shape[0]:
        raise ValueError(f"shapes {A_prev.shape} and {Delta.shape} do not match")
    return (A_prev[:, :, None] * Delta[:, None, :]).mean(axis=0)
""", """
def batch_weight_grad(A_prev, Delta):
    if A_prev.shape[0] != Delta.shape[0]:
        raise ValueError(f"A_prev {A_prev.shape} vs Delta {Delta.shape}")
    total = np.zeros((A_prev.shape[1], Delta.shape[1]))
    for a, d in zip(A_prev, Delta):
        total += np.outer(a, d)
    return total / A_prev.shape[0]
""", """
def batch_weight_grad(A_prev, Delta):
    if A_prev.shape[0] != Delta.shape[0]:
        raise ValueError(f"A_prev {A_prev.shape} vs Delta {Delta.shape}")
    return np.matmul(Delta.T, A_prev).T / Delta.shape[0]
"""],
    "batch_bias_grad": ["""
def batch_bias_grad(Delta):
    return Delta.sum(axis=0) / Delta.shape[0]
""", """
def batch_bias_grad(Delta):
    return np.mean(Delta, axis=0, keepdims=True)[0]
""", """
def batch_bias_grad(Delta):
    return np.ones(Delta.shape[0]) @ Delta / len(Delta)
"""],
    "standardize": ["""
def standardize(X):
    mu = X.mean(axis=0)
    centred = X - mu
    sd = np.sqrt((centred ** 2).mean(axis=0))
    constant = np.ptp(X, axis=0) == 0
    return np.divide(centred, sd, out=np.zeros_like(centred), where=~constant)
""", """
def standardize(X):
    Xs = X.astype(float)  # a copy
    for j in range(X.shape[1]):
        col = Xs[:, j]
        sd = col.std()
        if sd < 1e-12:
            Xs[:, j] = 0.0
        else:
            Xs[:, j] = (col - col.mean()) / sd
    return Xs
""", """
def standardize(X):
    Xs = X.copy()
    Xs -= Xs.mean(axis=0)
    constant = X.max(axis=0) == X.min(axis=0)
    Xs /= np.where(constant, 1.0, X.std(axis=0))
    Xs[:, constant] = 0.0
    return Xs
"""],
}
