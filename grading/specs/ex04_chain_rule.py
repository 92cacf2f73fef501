"""Hidden checks for ex04_chain_rule: numerical_gradient and neuron_grad."""

from grading.core import VISIBLE, Case, Mistake, Spec, np

# numerical_gradient is compared with the reference, which uses the very same formula at the same
# points. A correct answer may still evaluate f at a point one ulp away (x[idx] - h computed as
# (x[idx] + h) - 2h), where f rounds differently: that moves each entry by about eps * F / h, with
# F the size of the terms f adds up (F < 20 here), i.e. below 1e-9 for h = 1e-5. The catalogued
# mistakes move entries by far more: a forward difference by h |f''| / 2 (about 1e-6 to 1e-5), a
# stale nudge left in another entry by h |d2f/dxi dxj| (about 1e-6), a wrong step h by
# (h1^2 - h2^2) |f'''| / 6 (about 1e-5 at h = 1e-2). Measured on these cases: the correct
# alternatives below stay within 2e-11 of the reference, and every catalogued mistake is off by
# more than 4e-5 somewhere. A tolerance of 1e-8, relative plus absolute, sits between the two
# with a margin of more than a hundred on both sides.
GRAD_TOL = dict(rtol=1e-8, atol=1e-8)

# neuron_grad: the chain rule gives a, da_dw and da_db to a few ulps. Only where a is within
# 1e-13 of 0 or 1 does a (1 - a) lose relative accuracy, and there its absolute error stays below
# 1e-15; hence atol = 1e-14. A derivative estimated numerically instead is off by about 1e-10
# relative (h^2 truncation plus eps / h round-off), so rtol = 1e-12 tells the two apart. Measured:
# the alternatives below use at most 2 % of this tolerance, the numerical estimate 500 times it.
NEURON_TOL = dict(rtol=1e-12, atol=1e-14)


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def quadratic_form(rng, shape):
    """f(v) = v Q v / 2 + c v on the flattened v, Q symmetric: coupled, f'' = Q, f''' = 0."""
    size = int(np.prod(shape))
    M = rng.normal(size=(size, size))
    Q, c = (M + M.T) / 2, rng.normal(size=size)

    def f(v):
        u = v.reshape(-1)
        return float(0.5 * u @ Q @ u + c @ u)
    return f


def sum_of_sines(rng, shape):
    """f(v) = sum sin(s v) + v^2 / 4: separable, with f'' and f''' of order 1."""
    s = rng.uniform(0.5, 2.0, size=shape)

    def f(v):
        return float(np.sum(np.sin(s * v) + 0.25 * v ** 2))
    return f


def network_loss(rng, shape):
    """Quadratic cost of a sigmoid layer with weights v of shape (d_in, d_out) on a fixed batch."""
    d_in, d_out = shape
    X, b = rng.normal(size=(5, d_in)), rng.normal(size=d_out)
    Y = rng.uniform(size=(5, d_out))

    def f(v):
        return float(np.sum((_sigmoid(X @ v + b) - Y) ** 2) / (2 * len(X)))
    return f


def log_sum_exp(rng, shape):
    """f(v) = log(sum exp(v)) + c v + |v|^2 / 2: coupled and with f''' != 0."""
    c = rng.normal(size=shape)

    def f(v):
        m = np.max(v)
        return float(m + np.log(np.sum(np.exp(v - m))) + np.sum(c * v) + 0.5 * np.sum(v ** 2))
    return f


def one_variable(rng, shape):
    """f(v) = cos(3 v) + v^4 / 4 for a single entry."""
    def f(v):
        return float(np.sum(np.cos(3 * v) + 0.25 * v ** 4))
    return f


def fast_sines(rng, shape):
    """f(v) = sum sin(50 v): large higher derivatives, so at h = 1e-2 the centred difference,
    a fixed step of 1e-5 and a five-point stencil give clearly different numbers (about 2,
    2e-6 and 0.1 away from the derivative), and each mistake is told apart from the others."""
    def f(v):
        return float(np.sum(np.sin(50.0 * v)))
    return f


def sum_of_squares(v):
    """The visible tests' first function: f(v) = sum v^2."""
    return float(np.sum(v ** 2))


def sum_of_sin(v):
    """The visible tests' second function: f(v) = sum sin v."""
    return float(np.sum(np.sin(v)))


def numerical_gradient_cases(rng):
    for make, shape, kwargs, label in [
            (quadratic_form, (3,), {}, "a quadratic form"),
            (quadratic_form, (2, 3), {}, "a quadratic form of a matrix"),
            (sum_of_sines, (3,), {}, "a sum of sines"),
            (sum_of_sines, (2, 2, 2), {}, "a sum of sines of a 3-d array"),
            (one_variable, (1,), {}, "a function of a single variable"),
            (network_loss, (2, 3), {}, "the cost of a small sigmoid layer, as a function of its weights"),
            (log_sum_exp, (2, 2, 2), {}, "a log-sum-exp of a 3-d array"),
            (quadratic_form, (4,), {"h": 1e-3}, "a quadratic form, with h passed explicitly"),
            (sum_of_sines, (2, 3), {"h": 1e-2}, "a sum of sines, with h passed explicitly"),
            (network_loss, (3, 2), {"h": 1e-2}, "a small sigmoid layer's cost, with h passed explicitly"),
            (one_variable, (1,), {"h": 1e-3}, "a function of a single variable, with h passed explicitly"),
            (fast_sines, (3,), {"h": 1e-2}, "a fast-oscillating function, with h passed explicitly")]:
        yield Case((make(rng, shape), rng.normal(size=shape)), kwargs, label=label, **GRAD_TOL)
    # The visible tests' inputs (tests/test_fairness.py checks that every one is here).
    yield Case((sum_of_squares, np.array([1.0, 2.0, 3.0])), label=VISIBLE, **GRAD_TOL)
    yield Case((sum_of_sin, np.linspace(-1.0, 1.0, 6).reshape(2, 3)), label=VISIBLE, **GRAD_TOL)


def neuron_grad_cases(rng):
    for d in (1, 2, 3, 5, 10):
        yield Case((rng.normal(size=d), rng.normal(size=d), float(rng.normal())),
                   label="random inputs", **NEURON_TOL)
    for z, label in [(8.0, "a confident neuron, z = 8"), (-12.0, "a confident neuron, z = -12"),
                     (30.0, "a saturated neuron, z = 30"), (-30.0, "a saturated neuron, z = -30")]:
        x, w = rng.normal(size=4), rng.normal(size=4)
        yield Case((x, w, float(z - w @ x)), label=label, **NEURON_TOL)
    # |z| = 800: judged by the values (the instructions forbid no warning here), which a naive
    # formula gets wrong as inf / inf = NaN.
    for z in (-800.0, 800.0):
        x, w = rng.normal(size=3), rng.normal(size=3)
        yield Case((x, w, float(z - w @ x)), label="a very large |z|", **NEURON_TOL)
    x, w = rng.normal(size=3), rng.normal(size=3)
    yield Case((x, w, float(-800.0 - w @ x)), label="a very negative z", **NEURON_TOL)
    yield Case((np.array([1.0, 2.0]), np.array([0.5, -0.25]), 0.0), label=VISIBLE, **NEURON_TOL)
    yield Case((np.array([0.3, -1.2, 2.0]), np.array([0.7, 0.1, -0.4]), 0.5), label=VISIBLE,
               **NEURON_TOL)


SPECS = {
    "numerical_gradient": Spec(numerical_gradient_cases, mistakes=[
        Mistake("nudged in place, never restored", "you nudge the entries of x in place and never "
                "put them back, so the caller's x comes back changed (every entry moved by -h), and "
                "each later entry is differentiated at a point where the earlier ones have moved. "
                "Save old = x[idx] and restore x[idx] = old after the two evaluations, or work on "
                "a copy: x = np.array(x, dtype=float).", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        f_plus = f(x)
        x[idx] -= 2 * h
        f_minus = f(x)
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
"""),
        Mistake("restored by adding h back", "you put each entry back by adding h again after "
                "subtracting 2h. In floating point (x + h) - 2h + h is often not exactly x, so some "
                "entries of the caller's x come back changed by about 1e-17. Save old = x[idx] "
                "first and restore it exactly with x[idx] = old (or nudge a copy of x).", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        f_plus = f(x)
        x[idx] -= 2 * h
        f_minus = f(x)
        x[idx] += h
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
"""),
        Mistake("copy never restored", "you work on a copy of x, which is right, but you never put "
                "a nudged entry back: when you differentiate along one entry, the earlier ones are "
                "still moved by -h, so for a function whose variables interact the result is off. "
                "Restore each entry (x[idx] = old) before nudging the next one.", """
def numerical_gradient(f, x, h=1e-5):
    x = x.copy()
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        f_plus = f(x)
        x[idx] -= 2 * h
        f_minus = f(x)
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
"""),
        Mistake("names instead of copies", "x_plus = x does not copy x: x_plus, x_minus and x are "
                "one and the same array, so f(x_plus) and f(x_minus) see the same values and every "
                "difference is 0. Make real copies: x_plus = x.copy().", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x_plus = x
        x_minus = x
        x_plus[idx] += h
        x_minus[idx] -= h
        grad[idx] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad
"""),
        Mistake("forward difference", "(f(x + h e) - f(x)) / h is a forward difference, whose error "
                "is of order h. Use the centred difference (f(x + h e) - f(x - h e)) / (2 h), whose "
                "error is of order h^2.", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    f_x = f(x)
    for idx in np.ndindex(x.shape):
        x_plus = x.copy()
        x_plus[idx] += h
        grad[idx] = (f(x_plus) - f_x) / h
    return grad
"""),
        Mistake("divided by h", "the two points x + h e and x - h e are 2h apart: divide the "
                "difference by 2 * h, not by h (your gradient is twice too large).", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[idx] += h
        x_minus[idx] -= h
        grad[idx] = (f(x_plus) - f(x_minus)) / h
    return grad
"""),
        Mistake("operator precedence", "(f_plus - f_minus) / 2 * h divides by 2 and then MULTIPLIES "
                "by h. Put the denominator in parentheses: (f_plus - f_minus) / (2 * h).", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[idx] += h
        x_minus[idx] -= h
        grad[idx] = (f(x_plus) - f(x_minus)) / 2 * h
    return grad
"""),
        Mistake("every entry nudged at once", "f(x + h) - f(x - h) nudges every entry at once: it "
                "measures one number, the slope along (1, 1, ..., 1), not the gradient. Nudge one "
                "entry at a time (for idx in np.ndindex(x.shape)) and store one partial derivative "
                "per entry, in an array shaped like x.", """
def numerical_gradient(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)
"""),
        Mistake("flattened result", "your gradient is flat, of shape (x.size,): it must have the "
                "shape of x. Start from grad = np.zeros_like(x) and index it with the same idx as x, "
                "or reshape at the end with grad.reshape(x.shape).", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.size)
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = h
        step = step.reshape(x.shape)
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad
"""),
        Mistake("five-point stencil", "you used a five-point stencil, (-f(x + 2h) + 8 f(x + h) - "
                "8 f(x - h) + f(x - 2h)) / 12h. It is more accurate, but the exercise asks for the "
                "centred difference (f(x + h e_j) - f(x - h e_j)) / 2h with the given h, whose "
                "error of order h^2 the book's checks are calibrated for.", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        def g(t):
            y = np.array(x, dtype=float)
            y[idx] += t
            return f(y)
        grad[idx] = (-g(2 * h) + 8 * g(h) - 8 * g(-h) + g(-2 * h)) / (12 * h)
    return grad
"""),
        Mistake("h ignored", "you use a fixed step instead of the h argument: when the caller passes "
                "h, nudge by that h.", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[idx] += 1e-5
        x_minus[idx] -= 1e-5
        grad[idx] = (f(x_plus) - f(x_minus)) / (2 * 1e-5)
    return grad
"""),
    ]),
    "neuron_grad": Spec(neuron_grad_cases, mistakes=[
        Mistake("sigma' of the activation", "you applied sigma' to the activation a instead of to z: "
                "sigma(a) (1 - sigma(a)) is sigma'(a). The derivative is sigma'(z) = a (1 - a), with "
                "the a you already have; do not pass a through the sigmoid again.", """
def neuron_grad(x, w, b):
    z = w @ x + b
    a = sigmoid(z)
    s = sigmoid(a)
    da_dz = s * (1 - s)
    return float(a), da_dz * x, float(da_dz)
"""),
        Mistake("z (1 - z)", "z * (1 - z) is the formula sigma'(z) = a (1 - a) with z put where "
                "the activation a belongs. Use a = sigmoid(z): da_dz = a * (1 - a).", """
def neuron_grad(x, w, b):
    z = w @ x + b
    a = sigmoid(z)
    da_dz = z * (1 - z)
    return float(a), da_dz * x, float(da_dz)
"""),
        Mistake("w instead of x", "the local gradient of z = w . x + b with respect to w is x, not w: "
                "da_dw = sigma'(z) * x.", """
def neuron_grad(x, w, b):
    z = w @ x + b
    a = sigmoid(z)
    da_dz = a * (1 - a)
    return float(a), da_dz * w, float(da_dz)
"""),
        Mistake("sigma' forgotten", "you returned dz/dw = x and dz/db = 1, the derivatives of z; the "
                "chain rule multiplies each by da/dz = sigma'(z) = a (1 - a).", """
def neuron_grad(x, w, b):
    a = sigmoid(w @ x + b)
    return float(a), x, 1.0
"""),
        Mistake("da_dw given for b", "da_db is one number, sigma'(z) * dz/db = sigma'(z) * 1 = "
                "a (1 - a); you returned the vector da_dw in its place.", """
def neuron_grad(x, w, b):
    z = w @ x + b
    a = sigmoid(z)
    da_dw = a * (1 - a) * x
    return float(a), da_dw, da_dw
"""),
        Mistake("bias forgotten", "the bias is part of the weighted input: z = w . x + b. Without b "
                "both a and its derivatives are evaluated at the wrong z.", """
def neuron_grad(x, w, b):
    z = w @ x
    a = sigmoid(z)
    da_dz = a * (1 - a)
    return float(a), da_dz * x, float(da_dz)
"""),
        Mistake("a column for da_dw", "da_dw must have the shape of w, (d,); x[:, None] or "
                "x.reshape(-1, 1) makes it a (d, 1) column. Multiply by x itself.", """
def neuron_grad(x, w, b):
    z = w @ x + b
    a = sigmoid(z)
    da_dz = a * (1 - a)
    return float(a), da_dz * x[:, None], float(da_dz)
"""),
        Mistake("naive sigma'", "np.exp(-z) / (1 + np.exp(-z)) ** 2 is right on paper but overflows "
                "for very negative z (inf / inf is NaN). Write sigma' with the given sigmoid: "
                "a = sigmoid(z), da_dz = a * (1 - a).", """
def neuron_grad(x, w, b):
    z = w @ x + b
    a = sigmoid(z)
    da_dz = np.exp(-z) / (1 + np.exp(-z)) ** 2
    return float(a), da_dz * x, float(da_dz)
"""),
        Mistake("estimated numerically", "your derivatives agree with centred differences to about "
                "1e-10, the accuracy of a numerical estimate, but not to the precision of the chain "
                "rule. Compute them exactly, as asked: da_dz = a * (1 - a), da_dw = da_dz * x, "
                "da_db = da_dz.", """
def neuron_grad(x, w, b):
    a = float(sigmoid(w @ x + b))
    da_dw = numerical_gradient(lambda v: float(sigmoid(v @ x + b)), w)
    da_db = numerical_gradient(lambda c: float(sigmoid(w @ x + c[0])), np.array([b]))[0]
    return a, da_dw, float(da_db)
"""),
    ]),
}

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "numerical_gradient": ["""
# np.nditer with a multi-index, fresh copies for every nudge
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        up, down = x.astype(float), x.astype(float)
        up[idx] += h
        down[idx] -= h
        grad[idx] = (f(up) - f(down)) / (2 * h)
    return grad
""", """
import itertools
def numerical_gradient(f, x, h=1e-5):
    # nudges the caller's array in place, and puts every entry back exactly
    grad = np.empty(x.shape)
    for idx in itertools.product(*(range(n) for n in x.shape)):
        old = x[idx]
        x[idx] = old + h
        up = f(x)
        x[idx] = old - h
        down = f(x)
        x[idx] = old
        grad[idx] = (up - down) / (2 * h)
    return grad
""", """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.size)
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = h
        step = step.reshape(x.shape)
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad.reshape(x.shape)
""", """
def numerical_gradient(f, x, h=1e-5):
    xc = np.array(x, dtype=np.float64)
    flat = xc.reshape(-1)  # a view of the copy
    g = np.zeros_like(flat)
    for i in range(flat.size):
        old = flat[i]
        flat[i] += h
        up = f(xc)
        flat[i] -= 2 * h
        down = f(xc)
        flat[i] = old
        g[i] = 0.5 * (up - down) / h
    return g.reshape(x.shape)
"""],
    "neuron_grad": ["""
# sigma'(z) written as 1 / (4 cosh^2(z / 2)): np.cosh overflows for |z| > 1420, harmlessly.
def neuron_grad(x, w, b):
    z = float(w @ x + b)
    da_dz = 0.25 / np.cosh(z / 2) ** 2
    return float(sigmoid(z)), da_dz * x, da_dz
""", """
# Its own naive sigmoid overflows on the way but returns the right values, and only
# the values count here: the instructions forbid no warning for this function.
def neuron_grad(x, w, b):
    z = w @ x + b
    a = 1 / (1 + np.exp(-z))
    da_dz = a * (1 - a)
    return float(a), da_dz * x, float(da_dz)
""", """
import math
def neuron_grad(x, w, b):
    z = b
    for x_i, w_i in zip(x, w):
        z += w_i * x_i
    if z >= 0:
        a = 1 / (1 + math.exp(-z))
    else:
        a = math.exp(z) / (1 + math.exp(z))
    da_dz = a * (1 - a)
    return a, np.array([da_dz * x_i for x_i in x]), da_dz
""", """
def neuron_grad(x, w, b):
    z = np.dot(w, x) + b
    s = sigmoid(z)
    slope = s * sigmoid(-z)  # sigma'(z) = sigma(z) sigma(-z)
    return np.float64(s), np.multiply(slope, x), np.float64(slope)
""", """
def neuron_grad(x, w, b):
    z = np.einsum("i,i->", w, x) + b
    a = np.asarray(sigmoid(z))
    da_db = a * (1.0 - a)
    return a, da_db * x, da_db
"""],
}
