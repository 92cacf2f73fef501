"""Hidden checks for ex05_two_layer: two_layer_weight_changes."""

from grading.core import VISIBLE, Case, Mistake, Spec, np

# (d inputs, n_h hidden units): one of each size 1 edge, square cases (where an elementwise
# product x * delta_h runs silently), and cases with d != n_h (where a transpose shows).
SHAPES = [(3, 2), (1, 1), (1, 4), (4, 1), (2, 2), (5, 5), (6, 3), (3, 7), (10, 8)]
LEARNING_RATES = [0.5, 0.1, 2.0, 0.05, 1.0, 0.3, 0.8, 0.01, 1.5]


def two_layer_weight_changes_cases(rng):
    for (d, n_h), lr in zip(SHAPES, LEARNING_RATES):
        yield Case((rng.normal(size=d), float(rng.uniform(0.05, 0.95)),
                    rng.normal(scale=0.7, size=(d, n_h)), rng.normal(size=n_h), lr),
                   label=f"{d} inputs and {n_h} hidden units")
    for target in (0.0, 1.0):
        yield Case((rng.normal(size=3), target, rng.normal(scale=0.7, size=(3, 4)),
                    rng.normal(size=4), 0.5), label="a target at the end of the sigmoid's range")
    # Large weights: hidden units and output near saturation (|z| up to about 10), where the
    # slopes are tiny; the given sigmoid is stable, so nothing overflows.
    for d, n_h in [(4, 3), (3, 3)]:
        yield Case((rng.normal(size=d), float(rng.uniform(0, 1)), rng.normal(scale=2.5, size=(d, n_h)),
                    rng.normal(scale=4.0, size=n_h), 0.5), label="large weights, saturated units")
    yield Case((rng.normal(size=3), 0.5, rng.normal(size=(4, 2)), rng.normal(size=2), 0.5),
               label="x does not fit W_ih", raises=ValueError)
    yield Case((rng.normal(size=3), 0.5, rng.normal(size=(3, 2)), rng.normal(size=3), 0.5),
               label="w_ho does not fit W_ih", raises=ValueError)
    # Shapes NumPy accepts without a word, with results of the wrong shape: only an explicit
    # check refuses them (the instructions ask for one).
    yield Case((rng.normal(size=3), 0.5, rng.normal(size=(3, 4)), rng.normal(size=(4, 1)), 0.5),
               label="a column w_ho of shape (n_h, 1)", raises=ValueError)
    yield Case((rng.normal(size=(1, 3)), 0.5, rng.normal(size=(3, 4)), rng.normal(size=4), 0.5),
               label="a row x of shape (1, d)", raises=ValueError)
    # The visible tests' inputs (tests/test_fairness.py checks that every one is here): the
    # source lesson's exercise, the chapter's worked example, and a column w_ho.
    x, W_ih = np.array([0.5, 0.1, -0.2]), np.array([[0.5, -0.6], [0.1, -0.2], [0.1, 0.7]])
    yield Case((x, 0.6, W_ih, np.array([0.1, -0.3]), 0.5), label=VISIBLE)
    yield Case((np.array([0.1, 0.3]), 1.0, np.array([[0.4], [-0.2]]), np.array([0.1]), 0.5),
               label=VISIBLE)
    yield Case((x, 0.6, W_ih, np.array([[0.1], [-0.3]]), 0.5), label=VISIBLE, raises=ValueError)


# Every catalogued mistake below checks the shapes as asked (the check is added to each, so
# that a student who checks and has the mistake is told about it), except the one that
# leaves the shapes to NumPy.
CHECK = """
    if x.shape != (W_ih.shape[0],) or w_ho.shape != (W_ih.shape[1],):
        raise ValueError(f"x {x.shape}, W_ih {W_ih.shape} and w_ho {w_ho.shape} do not fit")"""
SIGNATURE = "def two_layer_weight_changes(x, y, W_ih, w_ho, lr):"

SPECS = {
    "two_layer_weight_changes": Spec(two_layer_weight_changes_cases, mistakes=[
        Mistake("shapes left to NumPy", "NumPy raises for some shapes that do not fit but not for "
                "all: a column w_ho of shape (n_h, 1) or a row x of shape (1, d) runs without a "
                "word and gives results of the wrong shape. Check x.shape == (d,) and "
                "w_ho.shape == (n_h,) yourself and raise ValueError.", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * y_hat * (1 - y_hat)
    delta_h = delta_o * w_ho * a * (1 - a)
    return -lr * np.outer(x, delta_h), -lr * delta_o * a
"""),
        Mistake("gradient instead of change", "both changes have the wrong sign, so the step climbs "
                "the cost: you returned lr * dC/dw, not the change to add, -lr * dC/dw. With the "
                "error terms of the chapter, delta_o = (y_hat - y) * y_hat * (1 - y_hat) = dC/dz_o "
                "(output minus target), the changes are -lr * delta * input.", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * y_hat * (1 - y_hat)
    delta_h = delta_o * w_ho * a * (1 - a)
    return lr * np.outer(x, delta_h), lr * delta_o * a
"""),
        Mistake("updated output weights", "your hidden error terms were sent back through the "
                "output weights after they had been updated (w_ho + dw_ho), as in the XOR loop of "
                "one of the source tutorials. The gradient is taken at the current weights: compute "
                "delta_h = delta_o * w_ho * a * (1 - a) with the w_ho of the forward pass, and only "
                "then form the changes.", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * y_hat * (1 - y_hat)
    dw_ho = -lr * delta_o * a
    w_ho_new = w_ho + dw_ho
    delta_h = delta_o * w_ho_new * a * (1 - a)
    return -lr * np.outer(x, delta_h), dw_ho
"""),
        Mistake("output weights updated in place first", "you added the change to w_ho in place "
                "(w_ho += ...) and then sent the error back through the updated weights. Leave the "
                "inputs unchanged, and compute delta_h with the w_ho of the forward pass before "
                "forming any change: the function returns the changes, the caller applies them.", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * y_hat * (1 - y_hat)
    dw_ho = -lr * delta_o * a
    w_ho += dw_ho
    delta_h = delta_o * w_ho * a * (1 - a)
    return -lr * np.outer(x, delta_h), dw_ho
"""),
        Mistake("step applied in place", "your changes are right, but the function also added them "
                "to W_ih and w_ho in place. It must only return the changes and leave its inputs "
                "unchanged; the training loop applies them (W_ih = W_ih + dW_ih).", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * y_hat * (1 - y_hat)
    delta_h = delta_o * w_ho * a * (1 - a)
    dW_ih = -lr * np.outer(x, delta_h)
    dw_ho = -lr * delta_o * a
    W_ih += dW_ih
    w_ho += dw_ho
    return dW_ih, dw_ho
"""),
        Mistake("slope of the activation", "you computed the slopes as sigmoid(a) * (1 - sigmoid(a)) "
                "from the activation a, which applies the sigmoid twice. The slope of a unit with "
                "weighted input h is sigmoid(h) * (1 - sigmoid(h)) = a * (1 - a): use a * (1 - a) "
                "(and y_hat * (1 - y_hat) for the output).", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * sigmoid(y_hat) * (1 - sigmoid(y_hat))
    delta_h = delta_o * w_ho * sigmoid(a) * (1 - sigmoid(a))
    return -lr * np.outer(x, delta_h), -lr * delta_o * a
"""),
        Mistake("slope formula applied to z", "you computed the slopes as h * (1 - h) from the "
                "weighted inputs. The formula s * (1 - s) needs the activation s = sigmoid(h): use "
                "a * (1 - a) for the hidden units and y_hat * (1 - y_hat) for the output.", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    h = x @ W_ih
    a = sigmoid(h)
    z_o = a @ w_ho
    y_hat = sigmoid(z_o)
    delta_o = (y_hat - y) * z_o * (1 - z_o)
    delta_h = delta_o * w_ho * h * (1 - h)
    return -lr * np.outer(x, delta_h), -lr * delta_o * a
"""),
        Mistake("output slope forgotten", "the output error term lacks the slope of the output "
                "sigmoid: delta_o = (y_hat - y) * y_hat * (1 - y_hat), not just y_hat - y.", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = y_hat - y
    delta_h = delta_o * w_ho * a * (1 - a)
    return -lr * np.outer(x, delta_h), -lr * delta_o * a
"""),
        Mistake("raw error sent back", "dw_ho is right, but the hidden error terms start from the raw "
                "error y_hat - y instead of the output error term delta_o = (y_hat - y) * y_hat * "
                "(1 - y_hat): the error passes through the output sigmoid's slope before it goes "
                "back along w_ho, so delta_h = delta_o * w_ho * a * (1 - a).", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    error = y_hat - y
    delta_o = error * y_hat * (1 - y_hat)
    delta_h = error * w_ho * a * (1 - a)
    return -lr * np.outer(x, delta_h), -lr * delta_o * a
"""),
        Mistake("hidden slope forgotten", "dw_ho is right, but the hidden error terms lack the slope "
                "of the hidden sigmoids: delta_h = delta_o * w_ho * a * (1 - a).", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * y_hat * (1 - y_hat)
    delta_h = delta_o * w_ho
    return -lr * np.outer(x, delta_h), -lr * delta_o * a
"""),
        Mistake("outer product transposed", "your dW_ih is the transpose of the change: it has shape "
                "(n_h, d), or the right shape with entries swapped when d = n_h. Entry [k, j] is "
                "-lr * x[k] * delta_h[j], so use x[:, None] * delta_h[None, :] or np.outer(x, delta_h), "
                "of shape (d, n_h) like W_ih.", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * y_hat * (1 - y_hat)
    delta_h = delta_o * w_ho * a * (1 - a)
    return -lr * delta_h[:, None] * x[None, :], -lr * delta_o * a
"""),
        Mistake("elementwise instead of outer product", "delta_h * x multiplies element by element: "
                "it fails when d != n_h and returns a vector when they are equal. The change to W_ih "
                "is an outer product of shape (d, n_h): -lr * x[:, None] * delta_h[None, :].", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * y_hat * (1 - y_hat)
    delta_h = delta_o * w_ho * a * (1 - a)
    return -lr * delta_h * x, -lr * delta_o * a
"""),
        Mistake("learning rate missing on dW_ih", "dw_ho is right, but dW_ih lacks the learning rate: "
                "every change is -lr * error term * input.", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * y_hat * (1 - y_hat)
    delta_h = delta_o * w_ho * a * (1 - a)
    return -np.outer(x, delta_h), -lr * delta_o * a
"""),
        Mistake("learning rate missing on dw_ho", "dW_ih is right, but dw_ho lacks the learning rate: "
                "every change is -lr * error term * input, so dw_ho = -lr * delta_o * a.", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * y_hat * (1 - y_hat)
    delta_h = delta_o * w_ho * a * (1 - a)
    return -lr * np.outer(x, delta_h), -delta_o * a
"""),
        Mistake("pair in the wrong order", "return the pair in the order (dW_ih, dw_ho): the change "
                "to the input-to-hidden weights first.", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y_hat - y) * y_hat * (1 - y_hat)
    delta_h = delta_o * w_ho * a * (1 - a)
    return -lr * delta_o * a, -lr * np.outer(x, delta_h)
"""),
    ]),
}

for _mistake in SPECS["two_layer_weight_changes"].mistakes[1:]:
    assert _mistake.source.count(SIGNATURE) == 1, _mistake.name
    _mistake.source = _mistake.source.replace(SIGNATURE, SIGNATURE + CHECK)

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "two_layer_weight_changes": ["""
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    d, n_h = W_ih.shape
    if len(x) != d or w_ho.shape != (n_h,):
        raise ValueError(f"x {x.shape}, W_ih {W_ih.shape} and w_ho {w_ho.shape} do not fit")
    a = [sigmoid(sum(x[i] * W_ih[i, j] for i in range(d))) for j in range(n_h)]
    y_hat = sigmoid(sum(a[j] * w_ho[j] for j in range(n_h)))
    delta_o = (y - y_hat) * y_hat * (1 - y_hat)
    dW_ih = np.zeros((d, n_h))
    dw_ho = np.zeros(n_h)
    for j in range(n_h):
        delta_h = delta_o * w_ho[j] * a[j] * (1 - a[j])
        dw_ho[j] = lr * delta_o * a[j]
        for i in range(d):
            dW_ih[i, j] = lr * delta_h * x[i]
    return dW_ih, dw_ho
""", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    # Nielsen's sign: dC/dz, then the change is -lr times the gradient; a list, not a tuple
    h = np.einsum("i,ij->j", x, W_ih)
    z_o = np.dot(sigmoid(h), w_ho)
    dC_dz_o = (sigmoid(z_o) - y) * sigmoid(z_o) * sigmoid(-z_o)
    dC_dh = dC_dz_o * w_ho * sigmoid(h) * sigmoid(-h)
    return [-lr * np.einsum("i,j->ij", x, dC_dh), -lr * dC_dz_o * sigmoid(h)]
""", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    if np.ndim(x) != 1 or np.ndim(w_ho) != 1 or len(x) != len(W_ih) or len(w_ho) != W_ih.shape[1]:
        raise ValueError(f"shapes {np.shape(x)}, {W_ih.shape}, {np.shape(w_ho)} do not fit")
    hidden_output = sigmoid(np.matmul(x, W_ih))
    output = float(sigmoid(np.matmul(hidden_output, w_ho)))
    output_error_term = (y - output) * output * (1.0 - output)
    hidden_error_term = output_error_term * w_ho * hidden_output * (1.0 - hidden_output)
    dW_ih = lr * (x.reshape(-1, 1) @ hidden_error_term.reshape(1, -1))
    dw_ho = lr * output_error_term * hidden_output
    return (dW_ih, dw_ho)
""", """
def two_layer_weight_changes(x, y, W_ih, w_ho, lr):
    a = sigmoid(x @ W_ih)
    y_hat = sigmoid(a @ w_ho)
    delta_o = (y - y_hat) * y_hat * (1 - y_hat)
    delta_h = delta_o * w_ho * a * (1 - a)
    return lr * delta_h[None, :] * x[:, None], lr * delta_o * a   # as in the source lesson
"""],
}

# The mistake the instructions warn about, with (part of) the message that the visible tests
# give it (tests/test_grading_pipeline.py checks that they do).
SPECS["two_layer_weight_changes"].mistakes[0].visible = "NumPy does not: check w_ho.shape yourself"
