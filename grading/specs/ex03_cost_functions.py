"""Hidden checks for ex03_cost_functions: quadratic_cost, quadratic_cost_grad, cross_entropy and
cross_entropy_grad."""

from grading.core import VISIBLE, Case, Mistake, Spec, np

# (n, d_out): one sample, one output, tall and wide batches. No empty batch: a cost averaged over
# zero samples is 0 / 0, not a meaningful number, and neither is its gradient.
SHAPES = [(1, 1), (1, 4), (6, 1), (5, 3), (20, 2), (3, 7)]

# Every cross-entropy case runs with strict floating point: clipped inputs never need a log(0)
# or a division by zero, so a warning there means clipping is missing or incomplete.
STRICT = dict(strict_fp=True)


def _visible_mismatch(A, Y):
    """The visible tests' pair of shapes (3, 1) and (3,): a ValueError naming both."""
    return Case((A, Y), label=VISIBLE, raises=ValueError, mentions=("(3, 1)", "(3,)"))


def _mismatched(rng):
    """Pairs (A, Y) of different shapes, some of which NumPy would broadcast without complaint."""
    for a_shape, y_shape, label in [
            ((5, 1), (5,), "a column against a flat array: shapes NumPy would broadcast"),
            ((4,), (4, 1), "a flat array against a column: shapes NumPy would broadcast"),
            ((3, 2), (2, 3), "transposed shapes"),
            ((4, 2), (4, 3), "as many rows but not as many columns"),
            ((2, 3), (1, 3), "fewer rows in Y: shapes NumPy would broadcast")]:
        A = rng.uniform(0.05, 0.95, size=a_shape)
        Y = rng.uniform(0.0, 1.0, size=y_shape).round()
        yield Case((A, Y), label=label, raises=ValueError, mentions=(str(A.shape), str(Y.shape)))


def quadratic_cases(rng):
    for n, d_out in SHAPES:
        yield Case((rng.normal(size=(n, d_out)), rng.normal(size=(n, d_out))), label="random inputs")
    yield Case((np.full((3, 2), 0.25), np.full((3, 2), 0.25)), label="predictions equal to the targets")
    yield from _mismatched(rng)
    # The visible tests' inputs (tests/test_fairness.py checks that every one is here).
    yield Case((np.array([[0.5], [1.0], [0.0]]), np.array([[1.0], [1.0], [2.0]])), label=VISIBLE)
    yield Case((np.array([[0.5, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [2.0, 1.0]])),
               label=VISIBLE)
    yield _visible_mismatch(np.zeros((3, 1)), np.zeros(3))


def _probabilities(rng, n, d_out):
    """Sigmoid-like predictions strictly inside (0, 1) and 0/1 targets."""
    shape = (n, d_out)
    return rng.uniform(0.02, 0.98, size=shape), rng.integers(0, 2, size=shape).astype(float)


def cross_entropy_cases(rng):
    for n, d_out in SHAPES:
        yield Case(_probabilities(rng, n, d_out), label="predictions in (0, 1) and 0/1 targets", **STRICT)
    yield Case((rng.uniform(0.02, 0.98, size=(6, 2)), rng.uniform(0.0, 1.0, size=(6, 2))),
               label="targets between 0 and 1 (soft labels)", **STRICT)
    A, Y = _probabilities(rng, 6, 3)
    A[[0, 2, 5], [1, 0, 2]] = 0.0
    yield Case((A, Y), label="some predictions exactly 0", **STRICT)
    A, Y = _probabilities(rng, 5, 2)
    A[[1, 3, 4], [0, 1, 1]] = 1.0
    yield Case((A, Y), label="some predictions exactly 1", **STRICT)
    yield Case((np.array([[0.0, 1.0, 1.0, 0.0]]), np.array([[1.0, 0.0, 1.0, 0.0]])),
               label="predictions exactly 0 and 1, right and wrong", **STRICT)
    A, Y = _probabilities(rng, 8, 2)
    A[[0, 3, 6], [0, 1, 1]] = [0.0, 1.0, 1e-3]
    yield Case((A, Y), {"eps": 1e-2}, label="saturated predictions and eps passed explicitly", **STRICT)
    yield Case(_probabilities(rng, 7, 3), {"eps": 0.1}, label="a large eps passed explicitly", **STRICT)
    yield from _mismatched(rng)
    # The visible tests' inputs of cross_entropy and of cross_entropy_grad (both use these).
    for A, Y in [([[0.9, 0.2], [0.6, 0.5]], [[1.0, 0.0], [0.0, 1.0]]), ([[1.0], [0.0]], [[1.0], [0.0]]),
                 ([[0.0]], [[1.0]]), ([[0.8], [0.25]], [[1.0], [0.0]]),
                 ([[1.0], [0.0]], [[1.0], [1.0]])]:
        yield Case((np.array(A), np.array(Y)), label=VISIBLE, **STRICT)
    yield _visible_mismatch(np.full((3, 1), 0.5), np.ones(3))


def _with_check(body):
    """Source of a function whose shape check is right and whose body is ``body``."""
    return body.replace("    CHECK\n", "    if A.shape != Y.shape:\n"
                        "        raise ValueError(f\"A has shape {A.shape} but Y has shape {Y.shape}\")\n")


# Wrong shape checks, common to the four functions; FORMULA is each function's correct formula.
def _shape_mistakes(name, signature, formula):
    return [
        Mistake("no shape check", "A and Y of different shapes must be refused, not broadcast: "
                "with A of shape (n, 1) and Y of shape (n,), A - Y silently becomes an (n, n) "
                "array. Start with `if A.shape != Y.shape: raise ValueError(...)` and name both "
                "shapes in the message.", f"""
def {name}({signature}):
{formula}
"""),
        Mistake("rows compared, not shapes", "comparing len(A) with len(Y) (the number of rows) "
                "is not enough: (n, 1) and (n,) have the same length but broadcast to (n, n), and "
                "(n, 2) against (n, 3) slips through too. Compare the whole shapes, "
                "A.shape != Y.shape.", f"""
def {name}({signature}):
    if len(A) != len(Y):
        raise ValueError(f"A has shape {{A.shape}} but Y has shape {{Y.shape}}")
{formula}
"""),
        Mistake("message without the shapes", "you raise ValueError as you should, but its "
                "message does not show the shapes; put them in it, e.g. "
                "f\"A has shape {A.shape} but Y has shape {Y.shape}\".", f"""
def {name}({signature}):
    if A.shape != Y.shape:
        raise ValueError("A and Y must have the same shape")
{formula}
"""),
    ]


QUADRATIC = "    return float(np.sum((A - Y) ** 2) / (2 * A.shape[0]))"
QUADRATIC_GRAD = "    return (A - Y) / A.shape[0]"
CROSS_ENTROPY = ("    A = np.clip(A, eps, 1 - eps)\n"
                 "    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / A.shape[0])")
CROSS_ENTROPY_GRAD = ("    A = np.clip(A, eps, 1 - eps)\n"
                      "    return (A - Y) / (A * (1 - A)) / A.shape[0]")

SPECS = {
    "quadratic_cost": Spec(quadratic_cases, mistakes=[
        Mistake("mean over every entry", "np.mean((A - Y) ** 2) / 2 divides by n * d_out, the "
                "number of entries, so with d_out > 1 outputs your cost is d_out times too small. "
                "The cost averages over the n samples (rows) and sums over the outputs: "
                "np.sum((A - Y) ** 2) / (2 * n) with n = A.shape[0].", _with_check("""
def quadratic_cost(A, Y):
    CHECK
    return float(np.mean((A - Y) ** 2) / 2)
""")),
        Mistake("no 1/2", "the quadratic cost has a factor 1/2 in front (it cancels the 2 of the "
                "derivative): divide by 2 * n, not by n.", _with_check("""
def quadratic_cost(A, Y):
    CHECK
    return float(np.sum((A - Y) ** 2) / A.shape[0])
""")),
        Mistake("not averaged", "the cost is an average over the n samples: divide the sum by "
                "2 * n, not just by 2, so that its size does not grow with the batch.", _with_check("""
def quadratic_cost(A, Y):
    CHECK
    return float(np.sum((A - Y) ** 2) / 2)
""")),
        Mistake("norms not squared", "each sample contributes its SQUARED distance "
                "||a_i - y_i||^2 = sum over j of (A_ij - Y_ij)^2; np.linalg.norm gives the distance "
                "itself, without the square.", _with_check("""
def quadratic_cost(A, Y):
    CHECK
    return float(np.sum(np.linalg.norm(A - Y, axis=1)) / (2 * A.shape[0]))
""")),
        Mistake("summed over the rows only", "np.sum(..., axis=0) leaves one number per output "
                "column; the cost is a single number: sum over every axis (np.sum with no axis).",
                _with_check("""
def quadratic_cost(A, Y):
    CHECK
    return np.sum((A - Y) ** 2, axis=0) / (2 * A.shape[0])
""")),
        *_shape_mistakes("quadratic_cost", "A, Y", QUADRATIC),
    ]),
    "quadratic_cost_grad": Spec(quadratic_cases, mistakes=[
        Mistake("divided by every entry", "you divided by A.size = n * d_out, the number of entries; "
                "the cost averages over the n rows only, so its gradient is (A - Y) / n with "
                "n = A.shape[0]. With d_out > 1 outputs it is d_out times too small.", _with_check("""
def quadratic_cost_grad(A, Y):
    CHECK
    return (A - Y) / A.size
""")),
        Mistake("no 1/n", "the cost is an average over the n samples, so its gradient keeps the "
                "1/n: (A - Y) / n, with n = A.shape[0].", _with_check("""
def quadratic_cost_grad(A, Y):
    CHECK
    return A - Y
""")),
        Mistake("sign flipped", "the sign is flipped: the derivative of (a - y)^2 / 2 with respect "
                "to a is a - y, so the gradient is (A - Y) / n, not (Y - A) / n. With the wrong "
                "sign, gradient descent walks uphill.", _with_check("""
def quadratic_cost_grad(A, Y):
    CHECK
    return (Y - A) / A.shape[0]
""")),
        Mistake("the 2 kept", "the factor 1/2 of the cost cancels the 2 that differentiation brings "
                "down: the gradient is (A - Y) / n, not 2 (A - Y) / n.", _with_check("""
def quadratic_cost_grad(A, Y):
    CHECK
    return 2 * (A - Y) / A.shape[0]
""")),
        Mistake("summed over the batch", "the gradient has one entry per prediction, shaped like A; "
                "do not sum it over the samples.", _with_check("""
def quadratic_cost_grad(A, Y):
    CHECK
    return np.sum(A - Y, axis=0) / A.shape[0]
""")),
        *_shape_mistakes("quadratic_cost_grad", "A, Y", QUADRATIC_GRAD),
    ]),
    "cross_entropy": Spec(cross_entropy_cases, mistakes=[
        Mistake("the tutorial's formula", "this is the cross-entropy formula of one of the source "
                "tutorials, (1/2n) sum [y log p + (1 - y) log p], and it is wrong three ways: the "
                "second log must be log(1 - p) (with log p twice the formula never looks at the "
                "targets), the minus sign in front is missing, and 1/(2n) belongs to the quadratic "
                "cost. Use J = -(1/n) sum [Y log A + (1 - Y) log(1 - A)].", _with_check("""
def cross_entropy(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return float(np.sum(Y * np.log(A) + (1 - Y) * np.log(A)) / (2 * A.shape[0]))
""")),
        Mistake("the tutorial's code", "you multiplied by the predictions instead of their logs, and "
                "dropped the minus sign, as the source tutorial's code does: y p + (1 - y) p is just "
                "p, so this 'cost' is the mean prediction and ignores the targets. Use "
                "-(1/n) sum [Y log A + (1 - Y) log(1 - A)].", _with_check("""
def cross_entropy(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return float(np.sum(np.multiply(Y, A) + np.multiply(1 - Y, A)) / A.shape[0])
""")),
        Mistake("log(A) twice", "the second term must be (1 - Y) log(1 - A), not (1 - Y) log(A): "
                "with log A in both terms the bracket is log A whatever the target.", _with_check("""
def cross_entropy(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(A)) / A.shape[0])
""")),
        Mistake("no minus sign", "the minus sign in front is missing: logs of probabilities are "
                "negative, so without it your cost is negative and is maximised by good predictions. "
                "J = -(1/n) sum [...].", _with_check("""
def cross_entropy(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return float(np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / A.shape[0])
""")),
        Mistake("mean over every entry", "np.mean divides by n * d_out, the number of entries; "
                "cross-entropy averages over the n samples (rows) and sums over the outputs: "
                "divide the sum by n = A.shape[0].", _with_check("""
def cross_entropy(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))
""")),
        Mistake("a 1/2 borrowed", "cross-entropy has no factor 1/2 (that belongs to the quadratic "
                "cost): J = -(1/n) sum [...], not -(1/(2n)) sum [...].", _with_check("""
def cross_entropy(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / (2 * A.shape[0]))
""")),
        Mistake("no clipping", "predictions of exactly 0 or 1 (a saturated sigmoid gives them) make "
                "log(0) = -inf, and 0 * log(0) is NaN. Clip first: A = np.clip(A, eps, 1 - eps), "
                "then use that A in both logs.", _with_check("""
def cross_entropy(A, Y, eps=1e-12):
    CHECK
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / A.shape[0])
""")),
        Mistake("clipped in place", "np.clip(A, eps, 1 - eps, out=A) clips the caller's own "
                "array: their predictions of exactly 0 and 1 are changed. Clip into a new array, "
                "A = np.clip(A, eps, 1 - eps).", _with_check("""
def cross_entropy(A, Y, eps=1e-12):
    CHECK
    np.clip(A, eps, 1 - eps, out=A)
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / A.shape[0])
""")),
        Mistake("clipped from below only", "you clipped A from below only, so a prediction of "
                "exactly 1 still gives log(1 - 1) = log(0). Clip both ends: "
                "np.clip(A, eps, 1 - eps).", _with_check("""
def cross_entropy(A, Y, eps=1e-12):
    CHECK
    A = np.maximum(A, eps)
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / A.shape[0])
""")),
        Mistake("eps ignored", "you clip with a fixed number instead of the eps argument: when the "
                "caller passes eps, clip A into [eps, 1 - eps] with that value.", _with_check("""
def cross_entropy(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, 1e-12, 1 - 1e-12)
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / A.shape[0])
""")),
        Mistake("one log chosen by the label", "picking log A where Y == 1 and log(1 - A) elsewhere "
                "is right only for targets that are exactly 0 or 1. Targets between 0 and 1 (soft "
                "labels) need both terms: Y log A + (1 - Y) log(1 - A).", _with_check("""
def cross_entropy(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return float(-np.sum(np.where(Y == 1, np.log(A), np.log(1 - A))) / A.shape[0])
""")),
        *_shape_mistakes("cross_entropy", "A, Y, eps=1e-12", CROSS_ENTROPY),
    ]),
    "cross_entropy_grad": Spec(cross_entropy_cases, mistakes=[
        Mistake("gradient with respect to Z", "(A - Y) / n is the gradient with respect to Z when "
                "A = sigmoid(Z), where sigma' cancels the denominator. This function asks for the "
                "gradient with respect to A, which keeps it: (A - Y) / (A (1 - A)) / n.", _with_check("""
def cross_entropy_grad(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return (A - Y) / A.shape[0]
""")),
        Mistake("operator precedence", "(A - Y) / A * (1 - A) divides by A and then MULTIPLIES by "
                "1 - A. Put the whole denominator in parentheses: (A - Y) / (A * (1 - A)) / n.",
                _with_check("""
def cross_entropy_grad(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return (A - Y) / A * (1 - A) / A.shape[0]
""")),
        Mistake("sign flipped", "the sign is flipped: dJ/dA = -(1/n) [Y / A - (1 - Y) / (1 - A)] "
                "= (A - Y) / (A (1 - A)) / n. With the wrong sign, gradient descent walks uphill.",
                _with_check("""
def cross_entropy_grad(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return (Y - A) / (A * (1 - A)) / A.shape[0]
""")),
        Mistake("derivative of log(1 - A)", "the derivative of (1 - Y) log(1 - A) is "
                "-(1 - Y) / (1 - A): the chain rule brings a minus sign. So "
                "dJ/dA = -(1/n) [Y / A - (1 - Y) / (1 - A)], not -(1/n) [Y / A + (1 - Y) / (1 - A)].",
                _with_check("""
def cross_entropy_grad(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return -(Y / A + (1 - Y) / (1 - A)) / A.shape[0]
""")),
        Mistake("no 1/n", "the cost is an average over the n samples, so its gradient keeps the "
                "1/n: (A - Y) / (A (1 - A)) / n with n = A.shape[0].", _with_check("""
def cross_entropy_grad(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return (A - Y) / (A * (1 - A))
""")),
        Mistake("divided by every entry", "you divided by A.size = n * d_out, the number of entries; "
                "the cost averages over the n rows only, so divide by n = A.shape[0].", _with_check("""
def cross_entropy_grad(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, eps, 1 - eps)
    return (A - Y) / (A * (1 - A)) / A.size
""")),
        Mistake("no clipping", "a prediction of exactly 0 or 1 makes the denominator A (1 - A) zero: "
                "division by zero gives inf or NaN. Clip first, A = np.clip(A, eps, 1 - eps), and "
                "use the clipped A everywhere in the formula.", _with_check("""
def cross_entropy_grad(A, Y, eps=1e-12):
    CHECK
    return (A - Y) / (A * (1 - A)) / A.shape[0]
""")),
Mistake("clipped in place", "np.clip(A, eps, 1 - eps, out=A) clips the caller's own "
                "array: their predictions of exactly 0 and 1 are changed. Clip into a new array, "
                "A = np.clip(A, eps, 1 - eps).", _with_check("""
def cross_entropy_grad(A, Y, eps=1e-12):
    CHECK
    np.clip(A, eps, 1 - eps, out=A)
    return (A - Y) / (A * (1 - A)) / A.shape[0]
""")),
                Mistake("clipped from below only", "you clipped A from below only, so a prediction of "
                "exactly 1 still makes 1 - A zero in the denominator. Clip both ends: "
                "np.clip(A, eps, 1 - eps).", _with_check("""
def cross_entropy_grad(A, Y, eps=1e-12):
    CHECK
    A = np.maximum(A, eps)
    return (A - Y) / (A * (1 - A)) / A.shape[0]
""")),
        Mistake("numerator not clipped", "you clipped A in the denominator only. Clip once, "
                "A = np.clip(A, eps, 1 - eps), and use that A everywhere, the numerator "
                "included: what is asked is the formula (A - Y) / (A (1 - A)) / n evaluated at "
                "the clipped A.", _with_check("""
def cross_entropy_grad(A, Y, eps=1e-12):
    CHECK
    Ac = np.clip(A, eps, 1 - eps)
    return (A - Y) / (Ac * (1 - Ac)) / A.shape[0]
""")),
        Mistake("eps ignored", "you clip with a fixed number instead of the eps argument: when the "
                "caller passes eps, clip A into [eps, 1 - eps] with that value.", _with_check("""
def cross_entropy_grad(A, Y, eps=1e-12):
    CHECK
    A = np.clip(A, 1e-12, 1 - 1e-12)
    return (A - Y) / (A * (1 - A)) / A.shape[0]
""")),
        *_shape_mistakes("cross_entropy_grad", "A, Y, eps=1e-12", CROSS_ENTROPY_GRAD),
    ]),
}

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "quadratic_cost": ["""
def quadratic_cost(A, Y):
    if A.shape != Y.shape:
        raise ValueError(f"shapes differ: {A.shape} vs {Y.shape}")
    n = len(A)
    total = 0.0
    for i in range(n):
        d = A[i] - Y[i]
        total += np.dot(d, d)
    return total / (2 * n)
""", """
def quadratic_cost(A, Y):
    if np.shape(A) != np.shape(Y):
        raise ValueError(f"A {A.shape} and Y {Y.shape} do not match")
    D = A - Y
    return np.einsum("ij,ij->", D, D) / (2 * D.shape[0])
""", """
def quadratic_cost(A, Y):
    if A.shape != Y.shape:
        raise ValueError(f"A has shape {A.shape} but Y has shape {Y.shape}")
    return np.asarray(0.5 * np.mean(np.sum(np.square(A - Y), axis=1)))
"""],
    "quadratic_cost_grad": ["""
def quadratic_cost_grad(A, Y):
    if A.shape != Y.shape:
        raise ValueError(f"A {A.shape} != Y {Y.shape}")
    G = A.copy()
    G -= Y
    G /= len(A)
    return G
""", """
def quadratic_cost_grad(A, Y):
    if A.shape != Y.shape:
        raise ValueError(f"A has shape {A.shape} but Y has shape {Y.shape}")
    return np.subtract(A, Y) * (1.0 / A.shape[0])
"""],
    "cross_entropy": ["""
import math
def cross_entropy(A, Y, eps=1e-12):
    if A.shape != Y.shape:
        raise ValueError(f"A {A.shape} and Y {Y.shape} differ")
    n, k = A.shape
    total = 0.0
    for i in range(n):
        for j in range(k):
            a = min(max(A[i, j], eps), 1 - eps)
            total -= Y[i, j] * math.log(a) + (1 - Y[i, j]) * math.log(1 - a)
    return total / n
""", """
def cross_entropy(A, Y, eps=1e-12):
    if A.shape != Y.shape:
        raise ValueError(f"A has shape {A.shape} but Y has shape {Y.shape}")
    P = np.minimum(np.maximum(A, eps), 1 - eps)
    per_sample = -np.sum(Y * np.log(P) + (1 - Y) * np.log1p(-P), axis=1)
    return np.mean(per_sample)
""", """
def cross_entropy(A, Y, eps=1e-12):
    if A.shape != Y.shape:
        raise ValueError(f"A has shape {A.shape} but Y has shape {Y.shape}")
    A = A.copy()
    np.clip(A, eps, 1 - eps, out=A)
    return np.asarray(-(np.vdot(Y, np.log(A)) + np.vdot(1 - Y, np.log(1 - A))) / len(A))
"""],
    "cross_entropy_grad": ["""
def cross_entropy_grad(A, Y, eps=1e-12):
    if A.shape != Y.shape:
        raise ValueError(f"A has shape {A.shape} but Y has shape {Y.shape}")
    P = np.clip(A, eps, 1 - eps)
    return (-Y / P + (1 - Y) / (1 - P)) / A.shape[0]
""", """
def cross_entropy_grad(A, Y, eps=1e-12):
    if A.shape != Y.shape:
        raise ValueError(f"{A.shape} vs {Y.shape}")
    n = A.shape[0]
    G = np.empty_like(A)
    for idx in np.ndindex(A.shape):
        a = min(max(A[idx], eps), 1 - eps)
        G[idx] = (a - Y[idx]) / (a * (1 - a) * n)
    return G
"""],
}


# The mistakes the instructions warn about, with (part of) the message that the visible tests
# give each of them (tests/test_grading_pipeline.py checks that they do).
for _name, _mistake, _message in [
        ("quadratic_cost", "mean over every entry", "not by the number of entries"),
        ("quadratic_cost", "no shape check", "differ: raise ValueError"),
        ("cross_entropy", "no clipping", "clip A into [eps, 1 - eps] before taking logs"),
        ("cross_entropy", "clipped in place", "clipped in place"),
        ("cross_entropy_grad", "clipped in place", "clipped in place"),
        ("cross_entropy_grad", "no clipping", "clip A into [eps, 1 - eps] first")]:
    next(m for m in SPECS[_name].mistakes if m.name == _mistake).visible = _message
