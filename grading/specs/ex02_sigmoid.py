"""Hidden checks for ex02_sigmoid: sigmoid, sigmoid_prime, relu, relu_prime."""

from grading.core import VISIBLE, Case, Mistake, Spec, np

# sigmoid must be accurate to 1e-12 relative for |z| <= 30, where float64 allows it. Beyond
# that only the absence of overflow and NaN is asked: values within 1e-15 of the exact one
# pass (a sigmoid that clips z to [-500, 500] is correct). sigmoid_prime is at most 1/4 and
# s * (1 - s) loses its relative accuracy for large |z| through 1 - s, while staying within
# a few ulps of 1 in absolute terms: it is compared with atol = 1e-15.
SIGMOID_RTOL = 1e-12
TINY = 1e-300


def _inputs(rng):
    yield "a scalar float", (float(rng.normal()),)
    yield "zero", (0.0,)
    yield "a vector", (rng.normal(scale=5, size=7),)
    yield "a matrix", (rng.normal(scale=10, size=(4, 3)),)
    yield "a 3-d array", (rng.normal(scale=3, size=(2, 3, 2)),)
    yield "moderate |z| up to 30", (np.linspace(-30.0, 30.0, 61),)
    yield "an empty array", (np.zeros((0, 3)),)


def _extremes():
    yield "very large positive and negative z", (np.array([-1e4, -800.0, -50.0, 50.0, 800.0, 1e4]),)
    yield "a very negative scalar", (-1e4,)
    yield "a very positive scalar", (1e4,)


def sigmoid_cases(rng):
    for label, args in _inputs(rng):
        yield Case(args, label=label, strict_fp=True, rtol=SIGMOID_RTOL, atol=TINY)
    for label, args in _extremes():
        yield Case(args, label=label, strict_fp=True, rtol=SIGMOID_RTOL, atol=1e-15)
    # The visible tests' inputs (tests/test_fairness.py checks that every one is here).
    z = np.linspace(-5, 5, 12).reshape(3, 4)
    for args in [(2.0,), (z,), (-z,), (np.array([-1e4, 1e4]),)]:
        yield Case(args, label=VISIBLE, strict_fp=True, rtol=SIGMOID_RTOL, atol=1e-15)


def sigmoid_prime_cases(rng):
    # Only sigmoid's instructions forbid floating-point warnings: sigmoid_prime is judged by its
    # values, so an exact form that warns on the way (0.25 / np.cosh(z / 2) ** 2) passes.
    for label, args in list(_inputs(rng)) + list(_extremes()):
        yield Case(args, label=label, rtol=1e-12, atol=1e-15)
    yield Case((np.array([-3.0, -0.5, 0.7, 2.0]),), label=VISIBLE, rtol=1e-12, atol=1e-15)


def relu_cases(rng):
    for label, args in _inputs(rng):
        yield Case(args, label=label)
    yield Case((np.array([-2.0, -0.0, 0.0, 3.0]),), label="zeros and signs")
    # The visible tests' inputs of relu and of relu_prime (both use these cases).
    yield Case((np.array([[-2.0, 0.0], [0.5, 3.0]]),), label=VISIBLE)
    yield Case((np.array([-1.5, 0.0, 2.5]),), label=VISIBLE)


SPECS = {
    "sigmoid": Spec(sigmoid_cases, mistakes=[
        Mistake("naive formula", "1 / (1 + np.exp(-z)) overflows in np.exp for very negative z. "
                "Use a form that only ever exponentiates a non-positive number, e.g. with "
                "e = np.exp(-np.abs(z)): 1 / (1 + e) where z >= 0 and e / (1 + e) where z < 0.", """
def sigmoid(z):
    return 1 / (1 + np.exp(-z))
"""),
        Mistake("other naive formula", "np.exp(z) / (1 + np.exp(z)) overflows for large positive "
                "z (inf / inf is NaN). Only ever exponentiate a non-positive number, e.g. "
                "np.exp(-np.abs(z)).", """
def sigmoid(z):
    return np.exp(z) / (1 + np.exp(z))
"""),
        Mistake("np.where of two naive branches", "np.where evaluates both branches on every "
                "element before choosing, so the branch you do not pick still overflows. Compute "
                "e = np.exp(-np.abs(z)) once and choose between 1 / (1 + e) and e / (1 + e).", """
def sigmoid(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
"""),
        Mistake("sign error", "the sign in the exponent is flipped: sigma(z) = 1 / (1 + e^(-z)), "
                "so sigma(z) tends to 1 as z grows.", """
def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))
"""),
        Mistake("tanh form", "0.5 * (1 + np.tanh(z / 2)) is exact on paper, but for very "
                "negative z it adds two nearly opposite numbers and loses almost all relative "
                "accuracy (at z = -30 only a few digits survive). Use e = np.exp(-np.abs(z)) "
                "and e / (1 + e) for z < 0.", """
def sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))
"""),
        Mistake("math.exp", "math.exp works on one number at a time; use np.exp so that arrays "
                "of any shape work.", """
import math
def sigmoid(z):
    return 1 / (1 + math.exp(-z))
"""),
    ]),
    "sigmoid_prime": Spec(sigmoid_prime_cases, helpers=("sigmoid",), mistakes=[
        Mistake("derivative of the activation", "you computed z * (1 - z), the formula that "
                "expects the activation a = sigma(z). This function receives z: return "
                "sigmoid(z) * (1 - sigmoid(z)).", """
def sigmoid_prime(z):
    return z * (1 - z)
"""),
        Mistake("half substituted", "only one factor uses sigma(z): the derivative is "
                "sigmoid(z) * (1 - sigmoid(z)).", """
def sigmoid_prime(z):
    return sigmoid(z) * (1 - z)
"""),
        Mistake("naive quotient", "np.exp(-z) / (1 + np.exp(-z))**2 is right on paper but "
                "overflows to inf / inf = NaN for very negative z: write it with your stable "
                "sigmoid, sigmoid(z) * (1 - sigmoid(z)).", """
def sigmoid_prime(z):
    return np.exp(-z) / (1 + np.exp(-z)) ** 2
"""),
        Mistake("1 + sigma", "the second factor has the wrong sign: the derivative is "
                "sigma(z) * (1 - sigma(z)), which is at most 1/4 (at z = 0), not "
                "sigma(z) * (1 + sigma(z)).", """
def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 + s)
"""),
        Mistake("sigmoid instead of its derivative", "you returned sigma(z) itself, not its "
                "derivative sigma(z) * (1 - sigma(z)).", """
def sigmoid_prime(z):
    return sigmoid(z)
"""),
    ]),
    "relu": Spec(relu_cases, mistakes=[
        Mistake("in place", "z[z < 0] = 0 changes the caller's array. Return a new array: "
                "np.maximum(z, 0).", """
def relu(z):
    z[z < 0] = 0
    return z
"""),
        Mistake("Python max", "Python's max compares whole objects, not element by element; use "
                "np.maximum(z, 0).", """
def relu(z):
    return max(0, z)
"""),
        Mistake("absolute value", "relu(z) is max(z, 0), not |z|: negative inputs give 0.", """
def relu(z):
    return np.abs(z)
"""),
    ]),
    "relu_prime": Spec(relu_cases, mistakes=[
        Mistake("one at zero", "at z = 0 this book takes relu'(0) = 0: use z > 0, not z >= 0.", """
def relu_prime(z):
    return (z >= 0).astype(float)
"""),
        Mistake("boolean array", "z > 0 is an array of booleans: convert it to floats with "
                ".astype(float).", """
def relu_prime(z):
    return z > 0
"""),
        Mistake("heaviside with 1", "np.heaviside(z, 1) sets the value at 0 to 1; this book takes "
                "relu'(0) = 0, so use np.heaviside(z, 0.0) or (z > 0).astype(float).", """
def relu_prime(z):
    return np.heaviside(z, 1.0)
"""),
        Mistake("relu instead of its derivative", "you returned relu(z); its derivative is 1 where "
                "z > 0 and 0 elsewhere.", """
def relu_prime(z):
    return np.maximum(z, 0)
"""),
    ]),
}

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "sigmoid": ["""
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1 + ez)
    return out
""", """
def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))
""", """
def sigmoid(z):
    z = np.clip(z, -500, 500)
    return 1.0 / (1.0 + np.exp(-z))
""", """
import math
def sigmoid(z):
    def one(x):
        return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
    z = np.asarray(z, dtype=float)
    return np.vectorize(one, otypes=[float])(z) if z.ndim else np.float64(one(float(z)))
"""],
    "sigmoid_prime": ["""
# Exact on paper and accurate in float64; np.cosh overflows to inf for |z| > 1420, where the
# result is 0 to within far less than atol: judged by its values, it passes.
def sigmoid_prime(z):
    return 0.25 / np.cosh(np.asarray(z, dtype=float) / 2) ** 2
""", """
def sigmoid_prime(z):
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return e / (1 + e) ** 2
""", """
def sigmoid_prime(z):
    return sigmoid(z) * sigmoid(-z)
"""],
    "relu": ["""
def relu(z):
    return np.where(z > 0, z, 0.0)
""", """
def relu(z):
    z = np.array(z, dtype=float)
    z[z < 0] = 0.0
    return z
""", """
def relu(z):
    return z * (z > 0)
"""],
    "relu_prime": ["""
def relu_prime(z):
    return np.heaviside(z, 0.0)
""", """
def relu_prime(z):
    return (np.asarray(z) > 0).astype(np.float64)
"""],
}


# The mistakes the instructions warn about, with (part of) the message that the visible tests
# give each of them (tests/test_grading_pipeline.py checks that they do).
for _mistake in ("naive formula", "other naive formula", "np.where of two naive branches"):
    next(m for m in SPECS["sigmoid"].mistakes if m.name == _mistake).visible = \
        "only ever exponentiate a non-positive number"
