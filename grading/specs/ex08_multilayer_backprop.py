"""Hidden checks for ex08_multilayer_backprop: backprop, sgd_step and train (judged by behaviour)."""

import inspect
import math

from backprop import activations, network
from grading.core import ATOL, RTOL, VISIBLE, Case, Mistake, Spec, np

# Layer sizes and batch sizes for backprop: depths 1 to 5, n = 1 several times, square layers
# (where a missing transpose runs) and d_0 == d_1 with two hidden layers (where feeding every
# hidden layer from X runs, with wrong values).
NETWORKS = [([2, 1], 3), ([3, 2], 1), ([2, 3, 1], 4), ([3, 3, 3], 5), ([4, 5, 3, 2], 6),
            ([2, 2, 3, 1], 1), ([3, 3, 4, 2], 7), ([3, 4, 4, 4, 2], 3), ([2, 5, 3, 4, 3, 1], 8),
            ([1, 1, 1, 1], 2), ([3, 3, 3, 3, 3], 4), ([5, 2, 6], 1)]


def _network(rng, sizes):
    weights = [rng.normal(size=(a, b)) * (1.5 / math.sqrt(a)) for a, b in zip(sizes, sizes[1:])]
    biases = [rng.normal(scale=0.5, size=b) for b in sizes[1:]]
    return weights, biases


def backprop_cases(rng):
    for sizes, n in NETWORKS:
        weights, biases = _network(rng, sizes)
        X = rng.normal(size=(n, sizes[0]))
        Y = rng.uniform(size=(n, sizes[-1]))
        yield Case((X, Y, weights, biases), label=f"a network of layer sizes {sizes}, batch of {n}")
    # The visible tests' inputs, drawn as the test cell draws them (tests/test_fairness.py
    # checks that every visible input is here).
    visible = np.random.default_rng(0)
    X, Y = visible.normal(size=(4, 2)), visible.uniform(size=(4, 1))
    weights = [visible.normal(size=(2, 3)), visible.normal(size=(3, 1))]
    biases = [visible.normal(size=3), visible.normal(size=1)]
    yield Case((X, Y, weights, biases), label=VISIBLE)
    sizes = [3, 3, 4, 2]
    weights = [visible.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [visible.normal(size=b) for b in sizes[1:]]
    X, Y = visible.normal(size=(5, 3)), visible.uniform(size=(5, 2))
    yield Case((X, Y, weights, biases), label=VISIBLE)


def sgd_step_cases(rng):
    for sizes in ([2, 3, 1], [3, 2], [4, 5, 3, 2], [1, 1], [2, 6, 6, 6, 1]):
        weights, biases = _network(rng, sizes)
        grads_W, grads_b = _network(rng, sizes)
        yield Case((weights, biases, grads_W, grads_b, float(rng.uniform(0.05, 3.0))),
                   label=f"a network of layer sizes {sizes}")
    yield Case(([np.array([[1.0, 2.0]])], [np.array([0.5, -0.5])], [np.array([[0.5, -1.0]])],
                [np.array([1.0, 2.0])], 0.1), label=VISIBLE)


# ---------------------------------------------------------------------------------------
# train, graded by behaviour

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
# The budget stated in the notebook. The reference learns XOR with it for every one of 300
# seeds tried, and so do initialisations with N(0, 1), Glorot, N(0, 0.1^2) or U(-1, 1) weights
# (all learn it within 600 epochs). Graded, each run makes 2,000 calls of backprop and of
# sgd_step, lent from the reference across the sandbox boundary (about 1 s a run), and the
# lent functions are right: seed 0, that of the visible test, tells learning from not learning.
XOR_BUDGET = "sizes=[2, 8, 1], epochs=1000, batch_size=2, lr=4.0"
XOR_SEEDS = (0,)

# The XOR runs make 2,000 calls of backprop and 2,000 of sgd_step: lent, that is 4,000 round
# trips to the grader (over a second a notebook, twice what running the whole notebook costs).
# They need no record of the calls (the small runs check the batches), so they get correct
# helpers inside the sandbox instead: the book's published ones, the forward pass and BP1-BP4
# of backprop/network.py (chapter 8 derives every line) and chapter 8's update W - lr dW.
# Nothing of solutions/ is in this source, so the student's process learns nothing new.
BOOK_HELPERS = "\n\n".join([
    "import numpy as np",
    inspect.getsource(activations.sigmoid),
    inspect.getsource(activations.sigmoid_prime),
    inspect.getsource(network.forward),
    inspect.getsource(network.backward),
    """def backprop(X, Y, weights, biases):
    return backward(Y, weights, *forward(X, weights, biases))


def sgd_step(weights, biases, grads_W, grads_b, lr):
    return ([W - lr * dW for W, dW in zip(weights, grads_W)],
            [b - lr * db for b, db in zip(biases, grads_b)])
""",
])


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _output(X, weights, biases):
    A = X
    for W, b in zip(weights, biases):
        A = _sigmoid(A @ W + b)
    return A


def _cost(X, Y, weights, biases):
    return float(np.sum((_output(X, weights, biases) - Y) ** 2) / (2 * X.shape[0]))


def _close(a, b):
    return abs(a - b) <= ATOL + RTOL * abs(b)


def _same(first, second):
    """Exactly the same arrays, in the same structure."""
    if isinstance(first, np.ndarray) or isinstance(second, np.ndarray):
        a, b = np.asarray(first), np.asarray(second)
        return a.shape == b.shape and np.ndarray.tolist(a) == np.ndarray.tolist(b)
    if isinstance(first, (list, tuple)) and isinstance(second, (list, tuple)):
        return len(first) == len(second) and all(_same(x, y) for x, y in zip(first, second))
    return first == second


def _structure(result, sizes, epochs):
    """None if result is (weights, biases, losses) of the right shapes, else a message."""
    where = f"with sizes={list(sizes)} and epochs={epochs}"
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        return f"train should return a tuple (weights, biases, losses); {where} it returned a " \
               f"{_kind(result)}" + (f" of length {len(result)}." if
                                     isinstance(result, (tuple, list)) else ".")
    weights, biases, losses = result
    for what, got, shapes in (("weights", weights, [(a, b) for a, b in zip(sizes, sizes[1:])]),
                              ("biases", biases, [(b,) for b in sizes[1:]])):
        if not isinstance(got, (list, tuple)) or not all(isinstance(P, np.ndarray) for P in got):
            return f"{what} should be a list of NumPy arrays ({where})."
        if [P.shape for P in got] != shapes:
            return (f"{what} should have shapes {shapes} ({where}), "
                    f"but they have shapes {[P.shape for P in got]}.")
    try:
        values = [float(v) for v in losses]
    except (TypeError, ValueError):
        return f"losses should be a list of numbers, one per epoch ({where})."
    if len(values) != epochs:
        return (f"losses has {len(values)} entries {where}; expected {epochs}: record one loss "
                "per epoch, after the epoch's mini-batches.")
    if not all(math.isfinite(v) for v in values):
        return f"losses contains NaN or infinite values ({where})."
    return None


def _kind(value):
    return getattr(value, "type_name", type(value).__name__)


def _structure_judge(sizes, epochs):
    return lambda result: _structure(result, sizes, epochs)


def _xor_judge(seed):
    def judge(result):
        problem = _structure(result, [2, 8, 1], 1000)
        if problem:
            return problem
        weights, biases, losses = result
        if float(losses[-1]) > float(losses[0]):
            return (f"on XOR ({XOR_BUDGET}, seed={seed}) the cost after the last epoch is higher "
                    "than after the first: training climbs the cost instead of descending it.")
        if not np.array_equal(_output(XOR_X, weights, biases) > 0.5, XOR_Y > 0.5):
            return (f"with {XOR_BUDGET} and seed={seed} the trained network does not put all four "
                    "XOR points on the right side of 0.5.")
        return None
    return judge


# train is judged by what it does, not compared with the reference (its random draws are the
# student's choice). Small runs first, then XOR with the stated budget; across runs,
# train_after checks the seed and the losses. These indices name the runs it compares.
SMALL = ([2, 3, 1], 3, 3, 0.5)  # sizes, epochs, batch_size (8 samples: 3 + 3 + 2), lr
FIRST, DEEPER, AGAIN, OTHER_SEED, ONE_EPOCH_LESS = range(5)


def train_cases(rng):
    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(8, 2)), rng.uniform(0.1, 0.9, size=(8, 1))
    X3, Y3 = rng.normal(size=(7, 3)), rng.uniform(0.1, 0.9, size=(7, 2))
    sizes, epochs, batch_size, lr = SMALL
    small = f"8 samples, sizes={sizes}, epochs={epochs}, batch_size={batch_size}"
    yield Case((X, Y, sizes, epochs, batch_size, lr), {"seed": 0}, label=f"{small}, seed=0",
               judge=_structure_judge(sizes, epochs))
    yield Case((X3, Y3, [3, 5, 4, 2], 2, 4, lr), {"seed": 0},
               label="7 samples, sizes=[3, 5, 4, 2], epochs=2, batch_size=4",
               judge=_structure_judge([3, 5, 4, 2], 2))
    yield Case((X, Y, sizes, epochs, batch_size, lr), {"seed": 0},
               label=f"{small}, seed=0, a second time", judge=_structure_judge(sizes, epochs))
    yield Case((X, Y, sizes, epochs, batch_size, lr), {"seed": 1}, label=f"{small}, seed=1",
               judge=_structure_judge(sizes, epochs))
    yield Case((X, Y, sizes, epochs - 1, batch_size, lr), {"seed": 0},
               label="8 samples, one epoch less, seed=0", judge=_structure_judge(sizes, epochs - 1))
    for seed in XOR_SEEDS:
        yield Case((XOR_X, XOR_Y, [2, 8, 1], 1000, 2, 4.0), {"seed": seed},
                   label=f"XOR, {XOR_BUDGET}, seed={seed}", judge=_xor_judge(seed),
                   public_helpers=True)
    # The visible tests' short run (the XOR run above is their other input).
    yield Case((XOR_X, XOR_Y, [2, 3, 1], 5, 3, 1.0), {"seed": 7},
               label="XOR, sizes=[2, 3, 1], epochs=5, batch_size=3, lr=1.0, seed=7",
               judge=_structure_judge([2, 3, 1], 5))


def _parameters(result):
    return list(result[0]) + list(result[1])


def _batches(case, outcome):
    """None if train called backprop on shuffled mini-batches as the instructions say, else a
    message. The backprop and sgd_step that train calls are lent by the grader, which records
    the batches it is given."""
    X = case.args[0]
    n, (_, _, epochs, batch_size, _) = len(X), case.args[1:]
    sizes = [min(batch_size, n - start) for start in range(0, n, batch_size)]
    batches = [args[0] for name, args, _ in outcome.calls if name == "backprop"]
    got = [len(B) if isinstance(B, np.ndarray) and B.ndim == 2 else None for B in batches]
    if got != sizes * epochs:
        return (f"train should call backprop once per mini-batch: with {n} samples and "
                f"batch_size={batch_size}, each of the {epochs} epochs has batches of "
                f"{', '.join(map(str, sizes))} samples, so backprop gets batches of "
                f"{sizes * epochs}; yours got {got}. Cut the shuffled indices into batches of "
                "batch_size (the last one smaller) and call backprop on each.")
    rows = {tuple(x): i for i, x in enumerate(X.tolist())}
    orders = []
    for epoch in range(epochs):
        epoch_batches = batches[epoch * len(sizes):(epoch + 1) * len(sizes)]
        order = [rows.get(tuple(x)) for B in epoch_batches for x in B.tolist()]
        if sorted(i for i in order if i is not None) != list(range(n)):
            return (f"in epoch {epoch + 1} the batches given to backprop are not the {n} samples "
                    "of X, each once: take the batches from one permutation of the indices, "
                    "X[order[start:start + batch_size]].")
        orders.append(order)
    if all(order == orders[0] for order in orders):
        return ("every epoch visits the samples in the same order: shuffle afresh at the start of "
                "each epoch, order = rng.permutation(n), not once before the loop.")
    steps = [result for name, _, result in outcome.calls if name == "sgd_step"]
    if len(steps) != len(batches):
        return (f"train called sgd_step {len(steps)} times for {len(batches)} mini-batches: "
                "after the gradients of each batch, update the network with sgd_step.")
    weights, biases = outcome.value[0], outcome.value[1]
    last = steps[-1] if steps else None
    if not (isinstance(last, tuple) and len(last) == 2
            and _same(list(weights) + list(biases), list(last[0]) + list(last[1]))):
        return ("the network train returns is not the one its last sgd_step produced: return the "
                "weights and biases that the updates made.")
    return None


def train_after(cases, outcomes):
    """The checks across runs: the seed is used, and losses[-1] is the returned network's C."""
    first = outcomes[FIRST].value
    again = outcomes[AGAIN].value
    if not _same(_parameters(again), _parameters(first)) or \
            not _same([float(v) for v in again[2]], [float(v) for v in first[2]]):
        return ("two calls with the same seed gave different networks. Create "
                "rng = np.random.default_rng(seed) once and draw every random number from it.")
    if _same(list(outcomes[OTHER_SEED].value[0]), list(first[0])):
        return ("seed=0 and seed=1 gave exactly the same weights: the seed argument is not used. "
                "Create rng = np.random.default_rng(seed) from the argument.")
    problem = _batches(cases[FIRST], outcomes[FIRST])
    if problem:
        return problem
    X, Y = cases[FIRST].args[:2]
    weights, biases, losses = first
    last, final = float(losses[-1]), _cost(X, Y, weights, biases)
    if not _close(last, final):
        before = outcomes[ONE_EPOCH_LESS].value
        if _close(last, _cost(X, Y, before[0], before[1])):
            return ("losses[-1] is the cost of the network before the last epoch's updates, not "
                    "after them.")
        if _close(last, 2 * final):
            return "losses[-1] is twice the cost C of the returned network on all of X."
        return ("losses[-1] is not the cost C = ||A - Y||^2 / (2n) of the returned network on "
                "all of X and Y.")
    X3, Y3 = cases[DEEPER].args[:2]
    deeper = outcomes[DEEPER].value
    if not _close(float(deeper[2][-1]), _cost(X3, Y3, deeper[0], deeper[1])):
        return ("with two outputs (sizes=[3, 5, 4, 2]), losses[-1] is not the cost "
                "C = ||A - Y||^2 / (2n) of the returned network on all of X: sum the squared "
                "errors over the outputs and divide by 2n, with n the number of rows (np.mean "
                "would also divide by the number of outputs).")
    return None


# ---------------------------------------------------------------------------------------
# The catalogued mistakes. backprop's are written out in full, as students write them.

_BACKWARD = """
    grads_W, grads_b = [None] * L, [None] * L
    delta = (As[L] - Y) / n * sigmoid_prime(Zs[L - 1])
    for l in range(L - 1, -1, -1):
        grads_W[l] = As[l].T @ delta
        grads_b[l] = delta.sum(axis=0)
        if l > 0:
            delta = (delta @ weights[l].T) * sigmoid_prime(Zs[l - 1])
    return grads_W, grads_b
"""
_FORWARD = """
def backprop(X, Y, weights, biases):
    n, L = X.shape[0], len(weights)
    Zs, As = [], [X]
    for W, b in zip(weights, biases):
        Zs.append(As[-1] @ W + b)
        As.append(sigmoid(Zs[-1]))
"""


def _backprop(change=None, forward=_FORWARD):
    """The reference's structure with one line replaced: change = (right line, wrong line)."""
    source = forward + _BACKWARD
    if change:
        right, wrong = change
        assert right in source, right
        source = source.replace(right, wrong)
    return source


_TRAIN = """
def train(X, Y, sizes, epochs, batch_size, lr, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out))
               for d_in, d_out in zip(sizes[:-1], sizes[1:])]
    biases = [np.zeros(d_out) for d_out in sizes[1:]]
    n = X.shape[0]
    losses = []
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            grads_W, grads_b = backprop(X[batch], Y[batch], weights, biases)
            weights, biases = sgd_step(weights, biases, grads_W, grads_b, lr)
        A = X
        for W, b in zip(weights, biases):
            A = sigmoid(A @ W + b)
        losses.append(np.sum((A - Y) ** 2) / (2 * n))
    return weights, biases, losses
"""


_LOSS = """        A = X
        for W, b in zip(weights, biases):
            A = sigmoid(A @ W + b)
        losses.append(np.sum((A - Y) ** 2) / (2 * n))
"""
_SHUFFLE = "        order = rng.permutation(n)\n"


def _train(*changes):
    source = _TRAIN
    for right, wrong in changes:
        assert right in source, right
        source = source.replace(right, wrong)
    return source


# "Never shuffled" and "shuffled once" fail the same check the same way: one hint true of both.
SAME_ORDER = ("the samples are visited in the same order every epoch: draw a fresh "
              "order = rng.permutation(n) at the start of each epoch (not once before the loop, "
              "and not np.arange(n)), so that each epoch's mini-batches differ.")

SPECS = {
    "backprop": Spec(backprop_cases, mistakes=[
        Mistake("every hidden layer fed from X", "every layer must be fed the previous layer's "
                "activations A^(l-1), not the input X. With a single hidden layer the two "
                "coincide, which hides the bug; with two or more hidden layers the gradients are "
                "wrong.", _backprop(forward="""
def backprop(X, Y, weights, biases):
    n, L = X.shape[0], len(weights)
    Zs, As = [], [X]
    for l in range(L):
        inputs = As[-1] if l == L - 1 else X
        Zs.append(inputs @ weights[l] + biases[l])
        As.append(sigmoid(Zs[-1]))
""")),
        Mistake("sigma' of the activation", "sigmoid_prime takes the weighted input Z, but you "
                "passed it the activation A = sigmoid(Z), which applies the sigmoid twice. Use "
                "sigmoid_prime(Z), or A * (1 - A) if you want to start from A.", _backprop(
                    ("sigmoid_prime(Zs[L - 1])", "sigmoid_prime(As[L])")).replace(
                    "sigmoid_prime(Zs[l - 1])", "sigmoid_prime(As[l])")),
        Mistake("missing transpose", "BP2 multiplies by the transpose of the weights: "
                "delta @ W.T, shape (n, d_out) @ (d_out, d_in). Without the .T it fails when the "
                "layers differ in width and gives wrong numbers when they are equal.",
                _backprop(("delta @ weights[l].T", "delta @ weights[l]"))),
        Mistake("sum, not mean", "your gradients are n times too large: C is an average over the "
                "batch, so the output error carries a factor 1/n: delta = (A - Y) / n * "
                "sigmoid_prime(Z).", _backprop(("(As[L] - Y) / n", "(As[L] - Y)"))),
        Mistake("1/n twice", "your gradients are n times too small: the 1/n is already in the "
                "output error delta = (A - Y) / n * sigmoid_prime(Z), so BP3 and BP4 sum over "
                "the rows; do not take a mean as well.", _backprop(
                    ("As[l].T @ delta", "As[l].T @ delta / n")).replace(
                    "delta.sum(axis=0)", "delta.mean(axis=0)")),
        Mistake("factor 2", "your gradients are twice too large: the cost has a 1/2, which "
                "cancels the 2 of the square, so the output error is (A - Y) / n * "
                "sigmoid_prime(Z), without a 2.", _backprop(("(As[L] - Y) / n", "2 * (As[L] - Y) / n"))),
        Mistake("keepdims on the bias gradient", "your bias gradients have shape (1, d); "
                "expected (d,), the shape of the biases. Sum the rows without keepdims: "
                "delta.sum(axis=0).", _backprop(("delta.sum(axis=0)", "delta.sum(axis=0, keepdims=True)"))),
        Mistake("no sigma' in the hidden layers", "BP2 multiplies by sigma'(Z) of the hidden "
                "layer: delta = (delta @ W.T) * sigmoid_prime(Z_prev). Without that factor the "
                "error is not passed through the hidden units' sigmoids.",
                _backprop(("(delta @ weights[l].T) * sigmoid_prime(Zs[l - 1])", "delta @ weights[l].T"))),
        Mistake("no sigma' at the output", "BP1 needs sigma'(Z) of the output layer too, since "
                "the output is sigmoid(Z): delta = (A - Y) / n * sigmoid_prime(Z). Without it "
                "you have the formula of a linear output layer.",
                _backprop(("(As[L] - Y) / n * sigmoid_prime(Zs[L - 1])", "(As[L] - Y) / n"))),
        Mistake("reverse layer order", "your gradients come out in reverse layer order: "
                "grads_W[0] must belong to weights[0], the first layer. The backward pass visits "
                "the layers last to first, so reverse the lists at the end (or fill them by "
                "index).", _FORWARD + """
    grads_W, grads_b = [], []
    delta = (As[L] - Y) / n * sigmoid_prime(Zs[L - 1])
    for l in range(L - 1, -1, -1):
        grads_W.append(As[l].T @ delta)
        grads_b.append(delta.sum(axis=0))
        if l > 0:
            delta = (delta @ weights[l].T) * sigmoid_prime(Zs[l - 1])
    return grads_W, grads_b
"""),
    ]),
    "sgd_step": Spec(sgd_step_cases, mistakes=[
        Mistake("in place", "W -= lr * dW changes the caller's arrays, even when you loop over a "
                "copy of the list (copying a list copies only references to the same arrays). "
                "Build new arrays: [W - lr * dW for W, dW in zip(weights, grads_W)].", """
def sgd_step(weights, biases, grads_W, grads_b, lr):
    new_weights, new_biases = list(weights), list(biases)
    for W, dW in zip(new_weights, grads_W):
        W -= lr * dW
    for b, db in zip(new_biases, grads_b):
        b -= lr * db
    return new_weights, new_biases
"""),
        Mistake("plus sign", "gradient descent moves against the gradient: W - lr * dW, not "
                "W + lr * dW (that climbs the cost).", """
def sgd_step(weights, biases, grads_W, grads_b, lr):
    return ([W + lr * dW for W, dW in zip(weights, grads_W)],
            [b + lr * db for b, db in zip(biases, grads_b)])
"""),
        Mistake("lr forgotten on the biases", "the biases must be updated with the learning rate "
                "too: b - lr * db.", """
def sgd_step(weights, biases, grads_W, grads_b, lr):
    return ([W - lr * dW for W, dW in zip(weights, grads_W)],
            [b - db for b, db in zip(biases, grads_b)])
"""),
        Mistake("biases not updated", "you returned the biases unchanged: update them too, "
                "b - lr * db for every layer.", """
def sgd_step(weights, biases, grads_W, grads_b, lr):
    return [W - lr * dW for W, dW in zip(weights, grads_W)], biases
"""),
        Mistake("only the weights returned", "sgd_step must return both lists, as a tuple: "
                "return new_weights, new_biases.", """
def sgd_step(weights, biases, grads_W, grads_b, lr):
    return [W - lr * dW for W, dW in zip(weights, grads_W)]
"""),
    ]),
    "train": Spec(train_cases, after=train_after, helpers=("backprop", "sgd_step"),
                  public_helpers=BOOK_HELPERS, mistakes=[
        Mistake("batch_size ignored", "your train takes one step on the whole data set per "
                "epoch; the instructions ask for mini-batches: cut the shuffled indices into "
                "batches of batch_size (the last one smaller) and call backprop and sgd_step on "
                "each.", _train(("        for start in range(0, n, batch_size):\n"
                                 "            batch = order[start:start + batch_size]",
                                 "        for start in range(0, n, n):\n"
                                 "            batch = order"))),
        Mistake("shuffled once", SAME_ORDER, _train(
            ("    for _ in range(epochs):\n        order = rng.permutation(n)\n",
             "    order = rng.permutation(n)\n    for _ in range(epochs):\n"))),
        Mistake("never shuffled", SAME_ORDER, _train(
            ("        order = rng.permutation(n)\n", "        order = np.arange(n)\n"))),
        Mistake("loss averaged over the outputs too", "np.mean((A - Y) ** 2) / 2 divides by "
                "n * d_out: with more than one output, your losses are d_out times too small. "
                "Record C = np.sum((A - Y) ** 2) / (2 * n), n the number of rows.", _train(
                    ("losses.append(np.sum((A - Y) ** 2) / (2 * n))",
                     "losses.append(np.mean((A - Y) ** 2) / 2)"))),
        Mistake("losses per mini-batch", "you record a loss after every mini-batch. Record one "
                "per epoch, after all of the epoch's batches: the cost C on all of X.", _train(
                    ("""            weights, biases = sgd_step(weights, biases, grads_W, grads_b, lr)
        A = X
        for W, b in zip(weights, biases):
            A = sigmoid(A @ W + b)
        losses.append(np.sum((A - Y) ** 2) / (2 * n))""",
                     """            weights, biases = sgd_step(weights, biases, grads_W, grads_b, lr)
            A = X
            for W, b in zip(weights, biases):
                A = sigmoid(A @ W + b)
            losses.append(np.sum((A - Y) ** 2) / (2 * n))"""))),
        Mistake("seed not used", "np.random.default_rng() without an argument starts from a "
                "different state every time, so results cannot be reproduced. Create "
                "rng = np.random.default_rng(seed) from the seed argument.", _train(
                    ("np.random.default_rng(seed)", "np.random.default_rng()"))),
        Mistake("fixed seed", "you create the generator with a fixed seed, so every seed gives "
                "the same network. Use the argument: rng = np.random.default_rng(seed).", _train(
                    ("np.random.default_rng(seed)", "np.random.default_rng(0)"))),
        Mistake("loss before the epoch", "you record the cost before the epoch's updates, so "
                "each loss lags one epoch behind and the last one is not the cost of the network "
                "you return. Compute the cost after the loop over the mini-batches.", _train(
                    (_LOSS, ""),
                    (_SHUFFLE, _LOSS + _SHUFFLE))),
        Mistake("mean squared error", "you record the mean squared error mean((A - Y)**2), which "
                "is twice C here. Record the cost that backprop differentiates, "
                "C = sum((A - Y)**2) / (2n).", _train(
                    ("np.sum((A - Y) ** 2) / (2 * n)", "np.mean((A - Y) ** 2)"))),
        Mistake("loss of the last mini-batch", "losses must hold the cost on all of X after "
                "each epoch, not the cost of the last mini-batch. After the loop over the "
                "batches, run the network on the whole of X and compute C.", _train(
                    ("""        A = X
        for W, b in zip(weights, biases):
            A = sigmoid(A @ W + b)
        losses.append(np.sum((A - Y) ** 2) / (2 * n))""",
                     """        A = X[batch]
        for W, b in zip(weights, biases):
            A = sigmoid(A @ W + b)
        losses.append(np.sum((A - Y[batch]) ** 2) / (2 * len(batch)))"""))),
        Mistake("gradient ascent", "the update adds the gradient: W + lr * dW climbs the cost. "
                "Gradient descent subtracts it: W - lr * dW (use your sgd_step).", _train(
                    ("sgd_step(weights, biases, grads_W, grads_b, lr)",
                     "sgd_step(weights, biases, grads_W, grads_b, -lr)"))),
        Mistake("all-zero initial weights", "with all weights equal (here all zero) every hidden "
                "unit computes the same thing and receives the same update, so they stay "
                "identical forever and the network cannot learn XOR. Draw the initial weights at "
                "random: rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out)).", _train(
                    ("rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out))",
                     "np.zeros((d_in, d_out))"))),
    ]),
}

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "backprop": ["""
def backprop(X, Y, weights, biases):
    # Nielsen's way: one sample at a time, as columns, with w = W.T; then the batch average.
    n, L = X.shape[0], len(weights)
    sum_W = [np.zeros_like(W) for W in weights]
    sum_b = [np.zeros_like(b) for b in biases]
    for x, y in zip(X, Y):
        a, activations, zs = x[:, None], [x[:, None]], []
        for W, b in zip(weights, biases):
            z = W.T @ a + b[:, None]
            a = sigmoid(z)
            zs.append(z)
            activations.append(a)
        delta = (activations[-1] - y[:, None]) * sigmoid_prime(zs[-1])
        for l in range(L - 1, -1, -1):
            sum_W[l] += (delta @ activations[l].T).T
            sum_b[l] += delta[:, 0]
            if l > 0:
                delta = (weights[l] @ delta) * sigmoid_prime(zs[l - 1])
    return [g / n for g in sum_W], [g / n for g in sum_b]
""", """
def backprop(X, Y, weights, biases):
    # Per-sample errors (no 1/n in delta), sigma' from the activations, means in BP3 and BP4.
    activations = [X]
    for W, b in zip(weights, biases):
        activations.append(sigmoid(np.matmul(activations[-1], W) + b))
    A = activations[-1]
    delta = (A - Y) * A * (1 - A)
    grads_W, grads_b = [], []
    for l in reversed(range(len(weights))):
        grads_W.insert(0, np.einsum("ij,ik->jk", activations[l], delta) / len(X))
        grads_b.insert(0, delta.mean(axis=0))
        A_prev = activations[l]
        delta = np.matmul(delta, weights[l].T) * A_prev * (1 - A_prev)
    return grads_W, grads_b
""", """
def backprop(X, Y, weights, biases):
    # Recursive: the gradients of the layers after this one, then this one's.
    def go(A_prev, l):
        Z = A_prev @ weights[l] + biases[l]
        if l == len(weights) - 1:
            delta = (sigmoid(Z) - Y) / len(X) * sigmoid_prime(Z)
            gW, gb = [], []
        else:
            delta_next, gW, gb = go(sigmoid(Z), l + 1)
            delta = delta_next @ weights[l + 1].T * sigmoid_prime(Z)
        return delta, [A_prev.T @ delta] + gW, [np.sum(delta, axis=0)] + gb
    _, grads_W, grads_b = go(X, 0)
    return tuple(grads_W), tuple(grads_b)
"""],
    "sgd_step": ["""
def sgd_step(weights, biases, grads_W, grads_b, lr):
    new_weights, new_biases = [], []
    for W, dW in zip(weights, grads_W):
        W = W.copy()
        W -= lr * dW
        new_weights.append(W)
    for b, db in zip(biases, grads_b):
        b = b.copy()
        b -= lr * db
        new_biases.append(b)
    return new_weights, new_biases
""", """
def sgd_step(weights, biases, grads_W, grads_b, lr):
    step = lambda pair: np.subtract(pair[0], np.multiply(lr, pair[1]))
    return tuple(map(step, zip(weights, grads_W))), tuple(map(step, zip(biases, grads_b)))
""", """
import copy
def sgd_step(weights, biases, grads_W, grads_b, lr):
    new = copy.deepcopy((list(weights), list(biases)))
    for l in range(len(weights)):
        new[0][l] -= lr * grads_W[l]
        new[1][l] -= lr * grads_b[l]
    return new
"""],
    "train": ["""
def train(X, Y, sizes, epochs, batch_size, lr, seed=0):
    # Glorot-uniform weights, small random biases, batches from np.array_split.
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for d_in, d_out in zip(sizes, sizes[1:]):
        limit = np.sqrt(6.0 / (d_in + d_out))
        weights.append(rng.uniform(-limit, limit, size=(d_in, d_out)))
        biases.append(rng.normal(0.0, 0.01, size=d_out))

    def cost():
        A = X
        for W, b in zip(weights, biases):
            A = sigmoid(A @ W + b)
        return 0.5 * np.mean(np.sum((A - Y) ** 2, axis=1))

    n = len(X)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        order = rng.permutation(n)
        for batch in np.array_split(order, range(batch_size, n, batch_size)):
            weights, biases = sgd_step(weights, biases, *backprop(X[batch], Y[batch], weights, biases), lr)
        losses[epoch] = cost()
    return weights, biases, losses
""", """
def train(X, Y, sizes, epochs, batch_size, lr, seed=0):
    # Standard-normal weights scaled by 1/sqrt(fan_in), zero biases; shuffled copies of the data.
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [np.zeros(b) for b in sizes[1:]]
    losses = []
    epoch = 0
    while epoch < epochs:
        perm = rng.permutation(X.shape[0])
        Xs, Ys = X[perm], Y[perm]
        start = 0
        while start < len(Xs):
            gW, gb = backprop(Xs[start:start + batch_size], Ys[start:start + batch_size], weights, biases)
            weights, biases = sgd_step(weights, biases, gW, gb, lr)
            start += batch_size
        out = X
        for W, b in zip(weights, biases):
            out = sigmoid(out @ W + b)
        losses.append(np.float64(((out - Y) ** 2).sum() / 2 / len(X)))
        epoch += 1
    return list(weights), list(biases), losses
"""],
}
