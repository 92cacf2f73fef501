"""Hidden checks for ex06_vanishing_gradients: chain_deltas and chain_weight_grads."""

from grading.core import VISIBLE, Case, Mistake, Spec, np

# In long chains with small weights the first error terms are many orders of magnitude below
# the default ATOL of 1e-12 (down to about 1e-17 here), and getting those tiny numbers right
# is the point of the chapter. Where every weighted input stays within |z| <= 12, each factor
# w * a * (1 - a) is accurate to about 1e-11 relative (1 - a loses at most 1e-16 / 6e-6), so
# these cases are compared relatively (atol 1e-300) with the default RTOL of 1e-9; a correct
# rewrite (sigma'(z) as sigmoid(z) * sigmoid(-z), a cumulative product) stays within 1e-10.
# The cases that drive neurons far into saturation keep the default ATOL: there a * (1 - a)
# rounds to 0 while other correct formulas give about 1e-20.
RELATIVE = 1e-300
Z_LIMIT = 12.0


def _max_abs_z(x, w, b):
    a, largest = x, 0.0
    for w_l, b_l in zip(w.tolist(), b.tolist()):
        z = w_l * a + b_l
        largest = max(largest, abs(z))
        a = 1.0 / (1.0 + np.exp(-z)) if z >= 0 else np.exp(z) / (1.0 + np.exp(z))
    return largest


def _signs(rng, L):
    return rng.choice([-1.0, 1.0], size=L)


def _chain_cases(rng, with_errors):
    chains = []  # (label, x, w, b, y)
    for _ in range(3):
        chains.append(("a single neuron", float(rng.normal()), rng.normal(size=1),
                       rng.normal(size=1), float(rng.uniform())))
    for L in [2, 3, 5, 8, 12]:
        chains.append((f"a chain of {L} neurons, standard normal weights", float(rng.normal()),
                       rng.normal(size=L), rng.normal(size=L), float(rng.uniform())))
    for L in [4, 12]:
        chains.append((f"a chain of {L} neurons, small weights", float(rng.normal()),
                       rng.normal(scale=0.3, size=L), rng.normal(size=L), float(rng.uniform())))
    # |w| > 4 with every z near 0 (x = 1/2, b close to -w/2): the error terms grow going back.
    for L in [6, 12]:
        w = _signs(rng, L) * rng.uniform(4.5, 7.0, size=L)
        chains.append((f"a chain of {L} neurons, large weights, unsaturated", 0.5, w,
                       -w / 2 + rng.normal(scale=0.01, size=L), float(rng.uniform())))
    # |w| > 4 with ordinary biases: most neurons saturate.
    for L in [5, 10]:
        chains.append((f"a chain of {L} neurons, large weights", float(rng.uniform(-1, 1)),
                       _signs(rng, L) * rng.uniform(4.0, 8.0, size=L), rng.normal(size=L),
                       float(rng.uniform())))
    for y in (0.0, 1.0):
        chains.append(("a chain of 4 neurons, an extreme target", float(rng.normal()),
                       rng.normal(size=4), rng.normal(size=4), y))
    for label, x, w, b, y in chains:
        relative = _max_abs_z(x, w, b) <= Z_LIMIT  # true for every chain drawn with seed 0
        yield Case((x, w, b, y), label=label, atol=RELATIVE if relative else 1e-12)

    # Saturation far beyond what 1 / (1 + np.exp(-z)) survives: weighted inputs in the hundreds.
    # Judged by the values only (the instructions forbid no warning here): an answer with its
    # own sigmoid that overflows on the way but returns the right numbers passes.
    w = rng.normal(size=6)
    w[0] = abs(w[0]) + 0.5
    b = rng.normal(size=6)
    for x in (1e3, -1e3):  # the first neuron's z is about +-1000 or more
        yield Case((x, w, b, float(rng.uniform())),
                   label="an input that drives the first neuron far into saturation")
    w, b = rng.normal(size=7), rng.normal(size=7)
    b[2], b[4] = -800.0, 60.0  # neuron 3 off (a = 0 to float64), neuron 5 on (a = 1)
    yield Case((float(rng.normal()), w, b, float(rng.uniform())),
               label="biases that saturate neurons in the middle of the chain")
    # z near -500 and -400 only: np.exp(-z) is still finite, but (1 + np.exp(-z))**2 is not.
    yield Case((-500.0, np.array([1.0, 2.0, -1.5]), np.array([0.5, -400.0, 0.3]), 0.5),
               label="weighted inputs in the hundreds")
    if with_errors:
        yield Case((0.5, rng.normal(size=4), rng.normal(size=5), 0.5),
                   label="w and b of different lengths", raises=ValueError)
    # The visible tests' inputs (tests/test_fairness.py checks that every one is here).
    yield Case((0.5, np.array([2.0]), np.array([-1.0]), 1.0), label=VISIBLE, atol=RELATIVE)
    yield Case((0.8, np.array([1.5, -2.0, 0.7, 3.0, -1.2]), np.array([0.1, 0.4, -0.3, 0.2, 0.5]),
                0.2), label=VISIBLE, atol=RELATIVE)


def chain_deltas_cases(rng):
    return _chain_cases(rng, with_errors=True)


def chain_weight_grads_cases(rng):
    # chain_deltas is checked for the ValueError; a wrong chain_deltas is not charged twice here.
    return _chain_cases(rng, with_errors=False)


SPECS = {
    "chain_deltas": Spec(chain_deltas_cases, mistakes=[
        Mistake("lengths not checked", "your error terms are right, but when w and b have different "
                "lengths the function must raise a ValueError (a loop over one of them silently "
                "ignores the extra entries of the other): check w.shape == b.shape first.", """
def chain_deltas(x, w, b, y):
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    slope = a * (1 - a)
    delta = np.empty(len(w))
    delta[-1] = (a[-1] - y) * slope[-1]
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k + 1] * slope[k]
    return delta
"""),
        Mistake("weight of the same layer", "delta_l comes back from the NEXT neuron along the weight "
                "that connects them: delta_l = delta_(l+1) * w_(l+1) * sigma'(z_l). In code, "
                "delta[k] = delta[k + 1] * w[k + 1] * slope[k], not w[k].", """
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    slope = a * (1 - a)
    delta = np.empty(len(w))
    delta[-1] = (a[-1] - y) * slope[-1]
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k] * slope[k]
    return delta
"""),
        Mistake("slope of the next neuron", "each error term must use the slope of its OWN neuron: "
                "delta_l = delta_(l+1) * w_(l+1) * sigma'(z_l). In code, slope[k], not slope[k + 1].", """
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    slope = a * (1 - a)
    delta = np.empty(len(w))
    delta[-1] = (a[-1] - y) * slope[-1]
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k + 1] * slope[k + 1]
    return delta
"""),
        Mistake("slope of the activation", "you computed the slopes as sigmoid(a) * (1 - sigmoid(a)) "
                "from the activations, which applies the sigmoid twice. The slope at z_l is "
                "sigmoid(z_l) * (1 - sigmoid(z_l)) = a_l * (1 - a_l): use a * (1 - a).", """
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    slope = sigmoid(a) * (1 - sigmoid(a))
    delta = np.empty(len(w))
    delta[-1] = (a[-1] - y) * slope[-1]
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k + 1] * slope[k]
    return delta
"""),
        Mistake("slope formula applied to z", "you computed the slopes as z * (1 - z). The formula "
                "s * (1 - s) needs the activation s = sigmoid(z): use a * (1 - a).", """
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    z, a = np.empty(len(w)), np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        z[k] = w[k] * a_in + b[k]
        a[k] = sigmoid(z[k])
        a_in = a[k]
    slope = z * (1 - z)
    delta = np.empty(len(w))
    delta[-1] = (a[-1] - y) * slope[-1]
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k + 1] * slope[k]
    return delta
"""),
        Mistake("final slope missing", "delta_L, where the recursion starts, lacks the slope of the "
                "last neuron: delta_L = (a_L - y) * sigma'(z_L) = (a_L - y) * a_L * (1 - a_L).", """
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    slope = a * (1 - a)
    delta = np.empty(len(w))
    delta[-1] = a[-1] - y
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k + 1] * slope[k]
    return delta
"""),
        Mistake("cost without the half", "every error term is twice too large: the cost is "
                "C = (a_L - y)**2 / 2, whose derivative in a_L is a_L - y, not 2 * (a_L - y).", """
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    slope = a * (1 - a)
    delta = np.empty(len(w))
    delta[-1] = 2 * (a[-1] - y) * slope[-1]
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k + 1] * slope[k]
    return delta
"""),
        Mistake("error terms of the previous chapter", "every error term has the wrong sign: you used "
                "y - a_L, the convention of the previous chapter (delta = -dC/dz). Here "
                "delta_l = +dC/dz_l, so delta_L = (a_L - y) * a_L * (1 - a_L).", """
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    slope = a * (1 - a)
    delta = np.empty(len(w))
    delta[-1] = (y - a[-1]) * slope[-1]
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k + 1] * slope[k]
    return delta
"""),
        Mistake("every neuron fed from x", "in your forward pass every neuron receives the input x: "
                "z_l = w_l * x + b_l. Only the first one does; neuron l receives the previous "
                "neuron's activation, z_l = w_l * a_(l-1) + b_l.", """
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    a = sigmoid(w * x + b)
    slope = a * (1 - a)
    delta = np.empty(len(w))
    delta[-1] = (a[-1] - y) * slope[-1]
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k + 1] * slope[k]
    return delta
"""),
        Mistake("output first", "your error terms are right but in reverse order: return them as "
                "delta_1, ..., delta_L, the neuron next to the input first (delta[0] is delta_1).", """
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    slope = a * (1 - a)
    deltas = [(a[-1] - y) * slope[-1]]
    for k in range(len(w) - 2, -1, -1):
        deltas.append(deltas[-1] * w[k + 1] * slope[k])
    return np.array(deltas)
"""),
        Mistake("weight gradients returned", "you returned delta_l * a_(l-1), the gradients of the "
                "weights; this function returns the error terms delta_l = dC/dz_l themselves.", """
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    slope = a * (1 - a)
    delta = np.empty(len(w))
    delta[-1] = (a[-1] - y) * slope[-1]
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k + 1] * slope[k]
    return delta * np.concatenate([[x], a[:-1]])
"""),
        Mistake("naive slope formula", "np.exp(-z) / (1 + np.exp(-z))**2 is sigma'(z) on paper, but "
                "for a very negative z it overflows (the square already at z = -356). Compute the "
                "slope from the activation of the given stable sigmoid: a * (1 - a).", """
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    z, a = np.empty(len(w)), np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        z[k] = w[k] * a_in + b[k]
        a[k] = sigmoid(z[k])
        a_in = a[k]
    slope = np.exp(-z) / (1 + np.exp(-z)) ** 2
    delta = np.empty(len(w))
    delta[-1] = (a[-1] - y) * slope[-1]
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k + 1] * slope[k]
    return delta
"""),
    ]),
    "chain_weight_grads": Spec(chain_weight_grads_cases, helpers=("chain_deltas",), mistakes=[
        Mistake("activation of the same neuron", "you multiplied delta_l by a_l, the neuron's own "
                "activation. The value that enters w_l is the PREVIOUS neuron's activation: "
                "dC/dw_l = delta_l * a_(l-1), with a_0 = x for the first neuron.", """
def chain_weight_grads(x, w, b, y):
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    return chain_deltas(x, w, b, y) * a
"""),
        Mistake("a_0 forgotten", "for the first neuron you used a[-1], which Python reads as the LAST "
                "activation: a[k - 1] with k = 0 wraps around. The value entering w_1 is the input: "
                "a_0 = x, so prepend x to the activations (np.concatenate([[x], a[:-1]])).", """
def chain_weight_grads(x, w, b, y):
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    delta = chain_deltas(x, w, b, y)
    grads = np.empty(len(w))
    for k in range(len(w)):
        grads[k] = delta[k] * a[k - 1]
    return grads
"""),
        Mistake("every weight times x", "you multiplied every delta_l by the input x. Only the first "
                "neuron is fed x; neuron l is fed the previous activation: "
                "dC/dw_l = delta_l * a_(l-1).", """
def chain_weight_grads(x, w, b, y):
    return chain_deltas(x, w, b, y) * x
"""),
        Mistake("activations of neurons fed from x", "the activations you multiply by come from a "
                "forward pass in which every neuron receives x (sigmoid(w * x + b)). Neuron l "
                "receives the previous activation: run the chain a_l = sigmoid(w_l * a_(l-1) + b_l) "
                "from a_0 = x.", """
def chain_weight_grads(x, w, b, y):
    a = sigmoid(w * x + b)
    return chain_deltas(x, w, b, y) * np.concatenate([[x], a[:-1]])
"""),
        Mistake("weighted input instead of activation", "you multiplied delta_l by z_(l-1), the "
                "previous neuron's weighted input. The value entering w_l is its activation "
                "a_(l-1) = sigmoid(z_(l-1)) (and x for the first neuron).", """
def chain_weight_grads(x, w, b, y):
    z = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        z[k] = w[k] * a_in + b[k]
        a_in = sigmoid(z[k])
    return chain_deltas(x, w, b, y) * np.concatenate([[x], z[:-1]])
"""),
        Mistake("bias gradients returned", "you returned the error terms delta_l, which are the "
                "gradients of the biases. The weight gradients multiply each by the value entering "
                "the weight: dC/dw_l = delta_l * a_(l-1), with a_0 = x.", """
def chain_weight_grads(x, w, b, y):
    return chain_deltas(x, w, b, y)
"""),
        Mistake("descent step instead of gradient", "every entry has the wrong sign: return the "
                "gradient dC/dw_l = delta_l * a_(l-1) itself, not the direction of descent.", """
def chain_weight_grads(x, w, b, y):
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = sigmoid(w[k] * a_in + b[k])
        a_in = a[k]
    return -chain_deltas(x, w, b, y) * np.concatenate([[x], a[:-1]])
"""),
    ]),
}

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "chain_deltas": ["""
# Its own naive sigmoid overflows on the way but returns the right values, and only
# the values count here: the instructions forbid no warning for this function.
def chain_deltas(x, w, b, y):
    if w.shape != b.shape:
        raise ValueError(f"w {w.shape} and b {b.shape}")
    a = np.empty(len(w))
    a_in = x
    for k in range(len(w)):
        a[k] = 1 / (1 + np.exp(-(w[k] * a_in + b[k])))
        a_in = a[k]
    slope = a * (1 - a)
    delta = np.empty(len(w))
    delta[-1] = (a[-1] - y) * slope[-1]
    for k in range(len(w) - 2, -1, -1):
        delta[k] = delta[k + 1] * w[k + 1] * slope[k]
    return delta
""", """
def chain_deltas(x, w, b, y):
    # lists, sigma'(z) from z as sigmoid(z) * sigmoid(-z), the error terms built output first
    if len(w) != len(b):
        raise ValueError(f"{len(w)} weights but {len(b)} biases")
    zs, a = [], x
    for w_l, b_l in zip(w, b):
        zs.append(w_l * a + b_l)
        a = sigmoid(zs[-1])
    z = np.array(zs)
    slope = sigmoid(z) * sigmoid(-z)
    deltas = [(a - y) * slope[-1]]
    for l in range(len(w) - 1, 0, -1):
        deltas.append(deltas[-1] * w[l] * slope[l - 1])
    return np.array(deltas[::-1], dtype=float)
""", """
def chain_deltas(x, w, b, y):
    # the backward recursion unrolled into a cumulative product
    if w.shape != b.shape:
        raise ValueError("w and b must have the same shape")
    a = np.zeros_like(w)
    for k in range(w.size):
        a[k] = sigmoid(w[k] * (a[k - 1] if k else x) + b[k])
    s = a * (1 - a)
    factors = np.append(w[1:] * s[:-1], 1.0)   # delta_l / delta_(l+1); 1 for the last neuron
    return (a[-1] - y) * s[-1] * np.cumprod(factors[::-1])[::-1]
""", """
def chain_deltas(x, w, b, y):
    # recursive: the error terms of neurons k, ..., L given the value entering neuron k
    if np.shape(w) != np.shape(b):
        raise ValueError(f"w {np.shape(w)} and b {np.shape(b)}")

    def back(k, a_in):
        a = float(sigmoid(w[k] * a_in + b[k]))
        slope = a * (1.0 - a)
        if k == len(w) - 1:
            return [(a - y) * slope]
        rest = back(k + 1, a)
        return [rest[0] * w[k + 1] * slope] + rest

    return np.array(back(0, x))
"""],
    "chain_weight_grads": ["""
def chain_weight_grads(x, w, b, y):
    a = [x]
    for w_l, b_l in zip(w, b):
        a.append(float(sigmoid(w_l * a[-1] + b_l)))
    return chain_deltas(x, w, b, y) * np.array(a[:-1])
""", """
def chain_weight_grads(x, w, b, y):
    # self-contained: forward into a[0..L] with a[0] = x, then one backward sweep
    L = len(w)
    a = np.empty(L + 1)
    a[0] = x
    for k in range(L):
        a[k + 1] = sigmoid(w[k] * a[k] + b[k])
    s = a[1:] * (1 - a[1:])
    grads = np.empty(L)
    delta = (a[L] - y) * s[L - 1]
    for k in reversed(range(L)):
        if k < L - 1:
            delta = delta * w[k + 1] * s[k]
        grads[k] = delta * a[k]
    return grads
""", """
def chain_weight_grads(x, w, b, y):
    a_in = np.empty_like(w)
    a_in[0] = x
    for k in range(1, len(w)):
        a_in[k] = sigmoid(w[k - 1] * a_in[k - 1] + b[k - 1])
    return np.multiply(chain_deltas(x, w, b, y), a_in)
"""],
}
