"""Hidden checks for ex11_digits: softmax, cross_entropy_softmax, cross_entropy_softmax_grad and
accuracy (trusted side).

Every case is compared with the reference answer. Cases with large weighted inputs run with strict
floating point (overflow, invalid values and division by zero are errors): a softmax without the
row maximum subtracted, or a log of an underflowed probability, fails there with a clear message.
"""

from grading.core import VISIBLE, Case, Mistake, Spec, np

# Tolerances: the default rtol = 1e-9, atol = 1e-12 of grading.core. The computations are a
# max, k <= 12 exponentials, a sum and a log per row: a correct rewrite (another shift, logaddexp,
# a loop over rows, np.take_along_axis) differs by a few ulps of the largest term, below 1e-13
# relative for |Z| <= 1e4 (the cost then reaches about 2e4; its round-off, 2e4 * 1e-16 = 2e-12,
# is far inside rtol * 2e4 = 2e-5), and every catalogued mistake changes the result by a factor
# n, a sign, an axis or NaN: by far more than 1e-9.

# (n, k): one sample, two classes, square batches (where the wrong axis keeps the shape), tall
# and wide ones, the digits' ten classes.
SHAPES = [(1, 2), (1, 5), (3, 3), (4, 4), (6, 10), (10, 10), (5, 2), (2, 7), (12, 3)]
STRICT = dict(strict_fp=True)
# The visible tests' two rows: probabilities (1/6, 2/6, 3/6) and (3/5, 1/5, 1/5).
VISIBLE_Z = np.array([[0.0, np.log(2), np.log(3)], [np.log(3), 0.0, 0.0]])
VISIBLE_LABELS = np.array([2, 0])


def _labels(rng, n, k):
    return rng.integers(0, k, size=n)


def _extreme(rng, n, k):
    """Weighted inputs of size 1e3 to 1e4, with rows far apart: naive exp over- and underflows."""
    Z = rng.normal(size=(n, k)) * rng.choice([1e3, 5e3, 1e4])
    Z += rng.normal(size=(n, 1)) * 3e3  # rows offset differently: a global max is not enough
    return Z


def softmax_cases(rng):
    for n, k in SHAPES:
        yield Case((rng.normal(size=(n, k)) * 3,), label="random weighted inputs")
    yield Case((np.zeros((3, 4)),), label="all-zero weighted inputs (a uniform guess)")
    yield Case((np.array([[2.0, 2.0, -1.0], [0.5, 0.5, 0.5]]),), label="ties within a row")
    for n, k in [(4, 3), (3, 3), (2, 10), (6, 5)]:
        yield Case((_extreme(rng, n, k),), label="weighted inputs up to 1e4 in size, rows offset "
                   "by thousands (naive exp overflows)", **STRICT)
    yield Case((np.array([[710.0, 0.0], [-1e4, -1e4 + 1.0]]),),
               label="one row above exp's overflow threshold, one far below zero", **STRICT)
    yield Case((np.array([[1000.0, 999.0, 990.0], [1000.5, 998.0, 1000.0]]),),
               label="large weighted inputs, all rows alike (naive exp overflows)", **STRICT)
    yield Case((np.array([[0.0, 1.0], [-1000.0, -999.0]]),),
               label="a row 1000 below another (no overflow, but its exponentials underflow "
               "unless it is shifted by its own maximum)", **STRICT)
    # The visible tests' inputs (tests/test_fairness.py checks that every one is here).
    yield Case((VISIBLE_Z[:1],), label=VISIBLE)
    yield Case((np.array([[1000.0, 1000.0 + np.log(3)], [-5.0, -5.0]]),), label=VISIBLE, **STRICT)
    yield Case((np.arange(12.0).reshape(3, 4),), label=VISIBLE)


def _ce_cases(rng):
    for n, k in SHAPES:
        yield Case((rng.normal(size=(n, k)) * 3, _labels(rng, n, k)), label="random inputs")
    for n, k in [(4, 3), (3, 3), (2, 10), (6, 5)]:
        yield Case((_extreme(rng, n, k), _labels(rng, n, k)), label="weighted inputs up to 1e4 in "
                   "size (some true classes get probabilities that underflow to 0)", **STRICT)
    Z = np.array([[0.0, -800.0], [800.0, 0.0], [3.0, 3.0]])
    yield Case((Z, np.array([1, 1, 0])), label="confidently wrong rows", **STRICT)
    Z = np.array([[0.0, -800.0], [-1000.0, 0.0]])
    yield Case((Z, np.array([1, 0])), label="true classes scored far below the others, no large "
               "positive input", **STRICT)
    yield Case((np.zeros((5, 10)), np.array([0, 3, 3, 7, 9])), label="a uniform guess")
    for Z_shape, labels_shape, label in [
            ((4, 3), (4, 3), "one-hot rows given instead of labels"),
            ((3, 3), (3, 3), "one-hot rows for a square batch"),
            ((5, 2), (5, 1), "labels as a column (5, 1)"),
            ((4, 3), (3,), "fewer labels than rows")]:
        Z = rng.normal(size=Z_shape)
        labels = rng.integers(0, Z_shape[1], size=labels_shape)
        yield Case((Z, labels), label=label, raises=ValueError,
                   mentions=(str(Z.shape), str(labels.shape)))
    # The visible tests' inputs of both functions (tests/test_fairness.py checks them all).
    yield Case((VISIBLE_Z, VISIBLE_LABELS), label=VISIBLE)
    yield Case((np.array([[0.0, -1000.0]]), np.array([1])), label=VISIBLE, **STRICT)
    yield Case((VISIBLE_Z, np.eye(3)[VISIBLE_LABELS]), label=VISIBLE, raises=ValueError,
               mentions=("(2, 3)",))


def accuracy_cases(rng):
    for n, k in SHAPES:
        Z = rng.normal(size=(n, k))
        labels = _labels(rng, n, k)
        yield Case((Z, labels), label="random scores and labels")
        # About half of the rows right, so that the fraction is not 0 or 1 by accident.
        right = rng.random(n) < 0.5
        yield Case((Z, np.where(right, Z.argmax(axis=1), labels)), label="a mix of right and wrong rows")
    Z = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [3.0, 3.0, 3.0], [0.0, 1.0, 0.0]])
    yield Case((Z, np.array([0, 1, 2, 1])), label="ties: the first largest entry counts")
    yield Case((np.eye(4) * 5, np.arange(4)), label="a perfect square batch")
    for Z_shape, labels_shape, label in [
            ((4, 3), (4, 3), "one-hot rows given instead of labels"),
            ((5, 5), (5, 5), "one-hot rows for a square batch"),
            ((3, 2), (3, 1), "labels as a column (3, 1)"),
            ((4, 3), (3,), "fewer labels than rows")]:
        Z = rng.normal(size=Z_shape)
        labels = rng.integers(0, Z_shape[1], size=labels_shape)
        yield Case((Z, labels), label=label, raises=ValueError,
                   mentions=(str(Z.shape), str(labels.shape)))
    Z = np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.4, 0.4, 0.2]])
    labels = np.array([1, 0, 0, 0])
    yield Case((Z, labels), label=VISIBLE)
    yield Case((Z, np.eye(3)[labels]), label=VISIBLE, raises=ValueError, mentions=("(4, 3)",))


CHECK = """    if labels.shape != (Z.shape[0],):
        raise ValueError(f"Z has shape {Z.shape} but labels has shape {labels.shape}")
"""


def _with_check(source):
    return source.replace("    CHECK\n", CHECK)


def _shape_mistakes(name, body):
    """Wrong or missing label checks, with the body otherwise right."""
    return [
        Mistake("no shape check", "labels of the wrong shape must be refused: one-hot rows "
                "(n, k) or a column (n, 1) index or broadcast without an error and give a wrong "
                "number. Start with `if labels.shape != (Z.shape[0],): raise ValueError(...)` and "
                "name both shapes in the message.", f"""
def {name}(Z, labels):
{body}"""),
        Mistake("length checked, not shape", "comparing len(labels) with len(Z) is not enough: "
                "one-hot rows (n, k) and a column (n, 1) have n rows too. Compare the whole shape: "
                "labels.shape != (Z.shape[0],).", f"""
def {name}(Z, labels):
    if len(labels) != len(Z):
        raise ValueError(f"Z has shape {{Z.shape}} but labels has shape {{labels.shape}}")
{body}"""),
        Mistake("message without the shapes", "you raise ValueError as you should, but the "
                "message does not show the shapes; put them in it, e.g. "
                "f\"Z has shape {Z.shape} but labels has shape {labels.shape}\".", f"""
def {name}(Z, labels):
    if labels.shape != (Z.shape[0],):
        raise ValueError("labels must have one entry per row of Z")
{body}"""),
    ]


CE_BODY = """    m = Z.max(axis=1, keepdims=True)
    log_A = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return float(-np.mean(log_A[np.arange(len(Z)), labels]))
"""
GRAD_BODY = """    return (softmax(Z) - np.eye(Z.shape[1])[labels]) / Z.shape[0]
"""
ACC_BODY = """    return float(np.mean(Z.argmax(axis=1) == labels))
"""

SPECS = {
    "softmax": Spec(softmax_cases, mistakes=[
        Mistake("no max subtracted", "np.exp(Z) overflows to inf as soon as an entry passes about "
                "709.78, and inf / inf is NaN. Subtract each row's maximum first, "
                "Z - Z.max(axis=1, keepdims=True): the result is the same, and no exponent is "
                "positive.", """
def softmax(Z):
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)
"""),
        Mistake("over the columns", "you normalised each column (axis=0), so the columns sum to 1 "
                "and samples of the batch get mixed. Samples are rows: take the max and the sum "
                "over axis=1, with keepdims=True.", """
def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)
"""),
        Mistake("the global maximum", "subtracting the maximum of the whole array (Z.max()) is not "
                "enough: a row far below it underflows to all zeros, and 0 / 0 is NaN. Subtract "
                "each row's own maximum: Z.max(axis=1, keepdims=True).", """
def softmax(Z):
    E = np.exp(Z - Z.max())
    return E / E.sum(axis=1, keepdims=True)
"""),
        Mistake("sum without keepdims", "E.sum(axis=1) has shape (n,), and dividing an (n, k) array "
                "by it broadcasts it along the ROWS: each entry is divided by the sum of another row "
                "(or a shape error when k != n). Keep the axis: E.sum(axis=1, keepdims=True).", """
def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1)
"""),
        Mistake("divided by the sum of everything", "you divided by the sum over the whole array, "
                "so all the entries together sum to 1, not each row. Sum each row: "
                "E.sum(axis=1, keepdims=True).", """
def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum()
"""),
        Mistake("Z modified in place", "Z -= ... changes the caller's array. Compute a new one: "
                "shifted = Z - Z.max(axis=1, keepdims=True).", """
def softmax(Z):
    Z -= Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)
"""),
    ]),
    "cross_entropy_softmax": Spec(_ce_cases, mistakes=[
        Mistake("log of the softmax", "np.log(softmax(Z)) takes the log of probabilities that "
                "underflow to exactly 0 when the true class scores far below another (log 0 = "
                "-inf). Compute log softmax directly: Z - lse(Z), with the log-sum-exp "
                "lse = m + log(sum(exp(Z - m))) over each row.", _with_check("""
def cross_entropy_softmax(Z, labels):
    CHECK
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    A = E / E.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(A[np.arange(len(Z)), labels])))
""")),
        Mistake("log-sum-exp without the max", "np.log(np.sum(np.exp(Z))) overflows for weighted "
                "inputs above about 709.78. Shift by each row's maximum m: "
                "lse = m + log(sum(exp(Z - m))).", _with_check("""
def cross_entropy_softmax(Z, labels):
    CHECK
    log_A = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return float(-np.mean(log_A[np.arange(len(Z)), labels]))
""")),
        Mistake("labels used as column indices", "log_A[:, labels] picks the columns of ALL the "
                "labels for every row (an (n, n) array), so the mean mixes every sample with every "
                "label. Pick one entry per row: log_A[np.arange(n), labels].", _with_check("""
def cross_entropy_softmax(Z, labels):
    CHECK
    m = Z.max(axis=1, keepdims=True)
    log_A = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return float(-np.mean(log_A[:, labels]))
""")),
        Mistake("summed, not averaged", "the cost is a mean over the n samples: divide the sum by n "
                "(or use np.mean), so that it does not grow with the batch.", _with_check("""
def cross_entropy_softmax(Z, labels):
    CHECK
    m = Z.max(axis=1, keepdims=True)
    log_A = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return float(-np.sum(log_A[np.arange(len(Z)), labels]))
""")),
        Mistake("mean over every entry", "you averaged over all n * k entries of a one-hot product; "
                "only the true class of each row counts and the mean is over the n rows: "
                "-(1/n) sum_i log A[i, labels[i]].", _with_check("""
def cross_entropy_softmax(Z, labels):
    CHECK
    m = Z.max(axis=1, keepdims=True)
    log_A = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    Y = np.eye(Z.shape[1])[labels]
    return float(-np.mean(Y * log_A))
""")),
        Mistake("no minus sign", "logs of probabilities are negative or zero, so the cost needs a "
                "minus sign in front: C = -(1/n) sum_i log A[i, labels[i]].", _with_check("""
def cross_entropy_softmax(Z, labels):
    CHECK
    m = Z.max(axis=1, keepdims=True)
    log_A = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return float(np.mean(log_A[np.arange(len(Z)), labels]))
""")),
        Mistake("weighted input instead of its log-probability", "-Z[i, labels[i]] is only part "
                "of the answer: log A = Z - lse(Z), so each row also contributes its log-sum-exp. "
                "C = (1/n) sum_i (lse_i - Z[i, labels[i]]).", _with_check("""
def cross_entropy_softmax(Z, labels):
    CHECK
    return float(-np.mean(Z[np.arange(len(Z)), labels]))
""")),
        *_shape_mistakes("cross_entropy_softmax", CE_BODY),
    ]),
    "cross_entropy_softmax_grad": Spec(_ce_cases, helpers=("softmax",), mistakes=[
        Mistake("no 1/n", "the cost is a mean over the n samples, so its gradient keeps the 1/n: "
                "(softmax(Z) - Y) / n with n = Z.shape[0]. Without it the gradient is n times too "
                "large.", _with_check("""
def cross_entropy_softmax_grad(Z, labels):
    CHECK
    return softmax(Z) - np.eye(Z.shape[1])[labels]
""")),
        Mistake("labels subtracted, not one-hot rows", "you subtracted the label values "
                "themselves; the gradient needs the one-hot rows Y (1 in column labels[i], 0 "
                "elsewhere): Y = np.eye(k)[labels], then (softmax(Z) - Y) / n.", _with_check("""
def cross_entropy_softmax_grad(Z, labels):
    CHECK
    return (softmax(Z) - labels[:, None]) / Z.shape[0]
""")),
        Mistake("divided by every entry", "you divided by Z.size = n * k; the cost averages over "
                "the n rows only, so divide by n = Z.shape[0].", _with_check("""
def cross_entropy_softmax_grad(Z, labels):
    CHECK
    return (softmax(Z) - np.eye(Z.shape[1])[labels]) / Z.size
""")),
        Mistake("sign flipped", "the sign is flipped: the gradient is (softmax(Z) - Y) / n, not "
                "(Y - softmax(Z)) / n. With the wrong sign, gradient descent climbs the cost.",
                _with_check("""
def cross_entropy_softmax_grad(Z, labels):
    CHECK
    return (np.eye(Z.shape[1])[labels] - softmax(Z)) / Z.shape[0]
""")),
        Mistake("one-hot matrix of the wrong size", "np.eye(n)[labels] makes rows of length n, the "
                "number of SAMPLES; one-hot rows need one column per CLASS: np.eye(k)[labels] with "
                "k = Z.shape[1].", _with_check("""
def cross_entropy_softmax_grad(Z, labels):
    CHECK
    n = Z.shape[0]
    return (softmax(Z) - np.eye(n)[labels][:, :Z.shape[1]]) / n
""")),
        Mistake("sigma' kept", "with softmax and cross-entropy the output error is just "
                "(A - Y) / n: the derivative of the softmax cancels the 1/A of the log. Multiplying "
                "by A (1 - A), as for a sigmoid with the quadratic cost, is the slowdown the "
                "chapter removes.", _with_check("""
def cross_entropy_softmax_grad(Z, labels):
    CHECK
    A = softmax(Z)
    return (A - np.eye(Z.shape[1])[labels]) * A * (1 - A) / Z.shape[0]
""")),
        *_shape_mistakes("cross_entropy_softmax_grad", GRAD_BODY),
    ]),
    "accuracy": Spec(accuracy_cases, mistakes=[
        Mistake("argmax over the columns", "np.argmax(Z, axis=0) gives, for each CLASS, the sample "
                "with the largest score. The prediction of sample i is the largest entry of ROW i: "
                "np.argmax(Z, axis=1).", _with_check("""
def accuracy(Z, labels):
    CHECK
    return float(np.mean(np.argmax(Z, axis=0)[:len(labels)] == labels[:Z.shape[1]]))
""")),
        Mistake("a count, not a fraction", "accuracy is the FRACTION of rows predicted right, "
                "between 0 and 1: divide the count by n (or use np.mean).", _with_check("""
def accuracy(Z, labels):
    CHECK
    return float(np.sum(np.argmax(Z, axis=1) == labels))
""")),
        Mistake("labels as a column", "comparing with labels[:, None] broadcasts (n,) against "
                "(n, 1) into an (n, n) table that compares every prediction with every label. "
                "Compare the two (n,) arrays directly: np.argmax(Z, axis=1) == labels.",
                _with_check("""
def accuracy(Z, labels):
    CHECK
    return float(np.mean(np.argmax(Z, axis=1) == labels[:, None]))
""")),
        Mistake("the largest entry's value, not its position", "np.max(Z, axis=1) is the largest "
                "score; the predicted class is its POSITION: np.argmax(Z, axis=1).", _with_check("""
def accuracy(Z, labels):
    CHECK
    return float(np.mean(np.max(Z, axis=1) == labels))
""")),
        *_shape_mistakes("accuracy", ACC_BODY),
    ]),
}

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "softmax": ["""
def softmax(Z):
    # Through the log-sum-exp, with np.logaddexp.reduce.
    lse = np.logaddexp.reduce(Z, axis=1)
    return np.exp(Z - lse[:, None])
""", """
def softmax(Z):
    # Row by row, in plain Python over the rows.
    out = np.empty_like(Z)
    for i, row in enumerate(Z):
        e = np.exp(row - np.max(row))
        out[i] = e / np.sum(e)
    return out
"""],
    "cross_entropy_softmax": ["""
def cross_entropy_softmax(Z, labels):
    if labels.ndim != 1 or len(labels) != len(Z):
        raise ValueError(f"shapes {Z.shape} and {labels.shape} do not match")
    lse = np.logaddexp.reduce(Z, axis=1)
    picked = np.take_along_axis(Z, labels[:, None], axis=1)[:, 0]
    return float(np.mean(lse - picked))
""", """
def cross_entropy_softmax(Z, labels):
    # A loop over the samples, each row shifted by its own max.
    if labels.shape != (Z.shape[0],):
        raise ValueError("labels " + str(labels.shape) + " vs Z " + str(Z.shape))
    total = 0.0
    for z, y in zip(Z, labels):
        m = z.max()
        total += m + np.log(np.sum(np.exp(z - m))) - z[y]
    return total / len(Z)
"""],
    "cross_entropy_softmax_grad": ["""
def cross_entropy_softmax_grad(Z, labels):
    if labels.shape != (len(Z),):
        raise ValueError(f"Z {Z.shape}, labels {labels.shape}")
    G = softmax(Z)  # a new array, safe to change
    G[np.arange(len(Z)), labels] -= 1.0
    return G / len(Z)
""", """
def cross_entropy_softmax_grad(Z, labels):
    # Its own stable softmax, and the one-hot rows by comparison with the class numbers.
    if labels.shape != (Z.shape[0],):
        raise ValueError(f"Z has shape {Z.shape} but labels has shape {labels.shape}")
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    Y = (np.arange(Z.shape[1]) == labels[:, None]).astype(float)
    return (E / E.sum(axis=1, keepdims=True) - Y) / Z.shape[0]
"""],
    "accuracy": ["""
def accuracy(Z, labels):
    if labels.shape != (Z.shape[0],):
        raise ValueError(f"Z has shape {Z.shape} but labels has shape {labels.shape}")
    right = 0
    for row, label in zip(Z, labels):
        right += int(np.argmax(row) == label)
    return right / len(labels)
""", """
def accuracy(Z, labels):
    if np.shape(labels) != Z.shape[:1]:
        raise ValueError(f"{Z.shape} and {np.shape(labels)}")
    return np.count_nonzero(Z.argmax(1) == labels) / Z.shape[0]
"""],
}
