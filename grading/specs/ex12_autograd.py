"""Hidden checks for ex12_autograd: add, mul, tanh, topological_sort and backpropagate (trusted
side).

The student's functions work on objects (the notebook's ``Value``), which cannot travel out of
the sandbox, so every function is called through a driver (see the ``*_DRIVER`` sources below).
A driver runs INSIDE the sandbox, in the student's namespace and process: the student's code can
read everything it defines and its very text (``globals()``, frames, a hooked ``compile``). So a
driver holds no answer in any form: it only builds ``Value`` objects from plain numbers computed
here, calls the student's function, and returns plain values; every expected answer is computed
and judged here (tests/test_ex12_drivers.py checks it, and that the thefts that worked against
earlier drivers score nothing).

- ``add``, ``mul``, ``tanh``: the arguments are the numbers of some leaves and a list of calls of
  the operation under test, ``calls[c] = (i, j)`` (``j = -1`` for ``tanh``), on nodes already made:
  leaves, or the results of earlier calls, so the student's own results feed the next calls. No
  other operation takes part, so one bug costs points once, and the sandbox holds no result of
  any operation. The driver returns what every node records, as plain numbers: its data, its
  .grad, and a matrix of local derivatives whose row k, column p is the sum of node k's local
  derivatives with respect to node p (column n: to an object that is not a node). These are
  compared with the reference answer driven the same way on the trusted side. Any correct answer
  (parents in either order, each with its own local derivative; ``x + x`` recorded as one parent
  or two) gives the same matrix, and a wrong local derivative, a missing parent or an input
  changed in place all show.
- ``topological_sort`` and ``backpropagate`` are called on a graph the grader built: its nodes'
  data, parents (as indices) and local derivatives are computed here by the grader's own
  arithmetic and only copied into bare ``Value`` objects by the driver, so a bug in the
  student's operations costs nothing here. The nodes are created in a random order that is NOT a
  topological one (then given their parents), so that neither the driver's list of nodes nor
  the order of creation is an answer.
- ``topological_sort``: the driver returns the order as the indices of the listed nodes (-1 for
  anything that is not a node); each case's ``judge`` counts here the nodes left out, listed
  twice, not depended on by root, or placed before a parent.
- ``backpropagate``: it calls ``topological_sort``, so one is lent for the duration of each call
  (in the namespace backpropagate reads, the student's own put back afterwards): a lookup, not an
  algorithm. The grader computes a correct order of the case's graph and which nodes each node
  depends on, and passes them as indices; the lent function only picks nodes from that list.
  The driver returns every node's .grad, compared with the reference driven the same way.

The correct orders reach the sandbox only with backpropagate's cases, whose graphs are drawn
with another seed than topological_sort's: they answer nothing else. Each function has its own
seed, so no case of one function is a case of another.
"""

import math

from grading.core import Case, Mistake, Spec, np

LEAF, ADD, MUL, TANH = 0, 1, 2, 3

# Tolerances. add, mul, tanh: each recorded number is one operation on the data of its inputs,
# and a chain of the student's own results is at most 35 calls long, with every value kept
# between 0.05 and 20 in size (see _op_graph): two correct answers (the sum in another order,
# math.fsum, tanh from exp, 1 - t^2 as (1 - t)(1 + t)) differ by a few ulps per call, at most
# about 35 * 4 * 2.2e-16 * 20 < 1e-12. backpropagate: values and gradients are sums and products
# along at most about 46 nodes, with leaves in [-1.5, 1.5] and tanh keeping intermediate values
# bounded: every entry is below 1e4 in size, and two correct answers may add a node's
# contributions in another order: at most about 46 * 2.2e-16 * 1e4 < 1e-10 absolute. atol = 1e-9
# and rtol = 1e-9 sit above both, and every catalogued mistake changes some number by a whole
# term of order 0.01 or more.
TOL = dict(rtol=1e-9, atol=1e-9)

# ---------------------------------------------------------------------------------------
# Drivers (run in the sandbox: plumbing only; every name they bind but drive is private)


def _op_driver(name):
    call = f"{name}(nodes[i])" if name == "tanh" else f"{name}(nodes[i], nodes[j])"
    return f"""
import numpy as _np  # under a private name: the student's own names are left alone


def _number(x, what):
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TypeError(f"{{what}} should be a number, not a {{type(x).__name__}}") from None


def drive(data, calls):
    # Leaves made from the grader's numbers, then each call of {name} on nodes already made.
    nodes = [Value(x) for x in data.tolist()]
    for i, j in calls.tolist():
        made = {call}
        if not isinstance(made, Value):
            raise TypeError(f"{name} should return a new Value, not a {{type(made).__name__}}")
        nodes.append(made)
    # What every node records, as plain numbers; judged on the trusted side.
    n = len(nodes)
    where = {{id(node): k for k, node in enumerate(nodes)}}
    recorded = _np.zeros((n, n + 1))
    for k, node in enumerate(nodes):
        links, slopes = tuple(node.parents), tuple(node.local_grads)
        if len(links) != len(slopes):
            raise ValueError(f"a Value made by {name} has {{len(links)}} parents but "
                             f"{{len(slopes)}} local derivatives: give one for each parent")
        for link, slope in zip(links, slopes):
            recorded[k, where.get(id(link), n)] += _number(slope, "a local derivative")
    return (_np.array([_number(node.data, "a Value's data") for node in nodes]),
            _np.array([_number(node.grad, "a Value's grad") for node in nodes]), recorded)
"""


_BUILD = """
import numpy as _np  # under a private name: the student's own names are left alone

_LABELS = {0: "", 1: "+", 2: "*", 3: "tanh"}


def _build(data, ops, parents, local_grads):
    # Bare Values first, in the grader's order (not a topological one), then their parents
    # (indices, -1 for none) and local derivatives: the grader's numbers, copied as they are.
    nodes = [Value(x) for x in data.tolist()]
    for node, op, links, slopes in zip(nodes, ops.tolist(), parents.tolist(),
                                       local_grads.tolist()):
        count = len([k for k in links if k >= 0])
        node.parents = tuple(nodes[k] for k in links[:count])
        node.local_grads = tuple(slopes[:count])
        node.op = _LABELS[op]
    return nodes
"""

TOPO_DRIVER = _BUILD + """

def drive(data, ops, parents, local_grads, root):
    nodes = _build(data, ops, parents, local_grads)
    listed = topological_sort(nodes[int(root)])
    if not isinstance(listed, (list, tuple)):
        return type(listed).__name__
    # The entries as indices of nodes (-1 for anything else), judged on the trusted side.
    where = {id(node): k for k, node in enumerate(nodes)}
    return [where.get(id(entry), -1) for entry in listed]
"""

BACKPROP_DRIVER = _BUILD + """

def drive(data, ops, parents, local_grads, root, order, reach):
    nodes = _build(data, ops, parents, local_grads)
    where = {id(node): k for k, node in enumerate(nodes)}
    order, reach = order.tolist(), reach.tolist()

    def _lent(top):
        # A lookup, not an algorithm: the grader's order of this graph, kept to the nodes
        # that top depends on (reach[k][m], also computed by the grader).
        k = where.get(id(top))
        if k is None:
            raise ValueError("the grader's topological_sort knows only the nodes it built")
        return [nodes[m] for m in order if reach[k][m]]

    # Lent for this call only, in the namespace backpropagate reads; its own goes back.
    scope = getattr(backpropagate, "__globals__", None)
    scope = scope if isinstance(scope, dict) else globals()
    absent = object()
    own = scope.get("topological_sort", absent)
    scope["topological_sort"] = _lent
    try:
        backpropagate(nodes[int(root)])
    finally:
        if own is absent:
            scope.pop("topological_sort", None)
        else:
            scope["topological_sort"] = own
    return _np.array([float(node.grad) for node in nodes])
"""


# ---------------------------------------------------------------------------------------
# Graphs, computed on the trusted side

def _apply(code, a, b):
    """The data of an ADD, MUL or TANH node whose parents hold a and b (b unused by TANH)."""
    return a + b if code == ADD else a * b if code == MUL else math.tanh(a)


def _forward(rows):
    """Data, parents and local derivatives of the nodes of a graph given in creation order as
    rows ``(code, i, j, leaf value)``: the grader's own arithmetic."""
    data, links, slopes = [], [], []
    for code, i, j, value in rows:
        if code == LEAF:
            data.append(float(value))
            links.append(())
            slopes.append(())
        elif code == TANH:
            t = math.tanh(data[i])
            data.append(t)
            links.append((i,))
            slopes.append((1.0 - t * t,))
        else:
            data.append(_apply(code, data[i], data[j]))
            links.append((i, j))
            slopes.append((1.0, 1.0) if code == ADD else (data[j], data[i]))
    return data, links, slopes


def _ancestry(links):
    """reach[k, m]: node m is node k or a node that k depends on."""
    n = len(links)
    reach = np.zeros((n, n), dtype=bool)
    for k in range(n):
        stack = [k]
        while stack:
            m = stack.pop()
            if not reach[k, m]:
                reach[k, m] = True
                stack.extend(links[m])
    return reach


def _post_order(links, root):
    """A topological order of the whole graph: a depth-first post-order from root (so root's
    ancestors come first, root last among them), then from every other node."""
    order, seen = [], set()

    def visit(k):
        if k not in seen:
            seen.add(k)
            for p in links[k]:
                visit(p)
            order.append(k)

    for start in [root, *range(len(links))]:
        visit(start)
    return order


def _stored(rng, rows):
    """A graph as the driver's arguments ``(data, ops, parents, local_grads, root)``, its nodes
    stored (and so created) in a random order that is not a topological one; and its parents
    as tuples of those indices, for the trusted side."""
    data, links, slopes = _forward(rows)
    n = len(rows)
    for _ in range(100):
        perm = rng.permutation(n)
        place = np.argsort(perm)
        if any(place[p] > place[k] for k in range(n) for p in links[k]):
            break
    else:
        perm = np.arange(n)[::-1]
        place = np.argsort(perm)
    ops = np.array([rows[k][0] for k in perm], dtype=np.int64)
    parents = np.full((n, 2), -1, dtype=np.int64)
    local_grads = np.zeros((n, 2))
    stored_links = []
    for s, k in enumerate(perm):
        stored_links.append(tuple(int(place[p]) for p in links[k]))
        parents[s, :len(links[k])] = stored_links[-1]
        local_grads[s, :len(slopes[k])] = slopes[k]
    values = np.array([data[k] for k in perm])
    return (values, ops, parents, local_grads, int(place[n - 1])), stored_links


def random_graph(rng, n_leaves, n_ops, codes):
    """Rows of a random graph: deep (parents are mostly recent nodes) and sharing nodes (and
    now and then one node twice, as in x * x); a few nodes may not reach the root."""
    rows = [[LEAF, 0, 0, float(rng.uniform(-1.5, 1.5))] for _ in range(n_leaves)]
    for _ in range(n_ops):
        code = int(rng.choice(codes))
        m = len(rows)
        i = m - 1 - min(int(rng.exponential(2.0)), m - 1)  # mostly a recent node: depth
        j = int(rng.integers(0, m)) if rng.random() < 0.8 else i  # sometimes the same node
        rows.append([code, i, j if code != TANH else 0, 0.0])
    return rows


# Hand-made graphs of several operations, in creation order (code, i, j); every leaf gets a
# random value, so that no graph of one function's cases is a graph of another's.
L = (LEAF, 0, 0)
GRAPHS = {
    "single +": ([L, L, (ADD, 0, 1)], "a single a + b"),
    "single *": ([L, L, (MUL, 0, 1)], "a single a * b"),
    "single tanh": ([L, (TANH, 0, 0)], "a single tanh(a)"),
    "x + x": ([L, (ADD, 0, 0)], "x + x: one parent listed twice"),
    "x * x": ([L, (MUL, 0, 0)], "x * x: one parent listed twice"),
    # tanh(tanh(tanh(x))) * y: each gradient is a product of local derivatives.
    "chain": ([L, L, (TANH, 0, 0), (TANH, 2, 0), (TANH, 3, 0), (MUL, 4, 1)],
              "a chain tanh(tanh(tanh(x))) * y"),
    # v = x w; g = v y + tanh(tanh(v)): v is reached from g along paths of lengths 2 and 3, so
    # a breadth-first order is not topological; a leaf z is not used by the root.
    "uneven": ([L, L, L, L, (MUL, 0, 1), (MUL, 4, 2), (TANH, 4, 0), (TANH, 6, 0), (ADD, 5, 7)],
               "g = v y + tanh(tanh(v)) with v = x w: paths of different lengths, and an unused "
               "leaf"),
    # f = (x y + x) tanh(x): x shared by three operations.
    "shared": ([L, L, (MUL, 0, 1), (ADD, 2, 0), (TANH, 0, 0), (MUL, 3, 4)],
               "f = (x y + x) tanh(x): x used three times"),
}


def _hand_made(rng, key):
    structure, label = GRAPHS[key]
    rows = [[code, i, j, float(rng.uniform(-1.5, 1.5)) if code == LEAF else 0.0]
            for code, i, j in structure]
    return rows, label


SIZES = [(2, 5), (3, 10), (4, 20), (5, 30), (3, 40), (6, 40)]

# ---------------------------------------------------------------------------------------
# add, mul, tanh: leaves and calls of the operation under test only

OP_RESULT = ("; result: (the data of every node, their .grad, their local derivatives: row k, "
             "column p for node k with respect to node p)")
# (leaf values, calls, label) by operation; in calls, the leaves are nodes 0, 1, ... and the
# result of call c is node len(leaves) + c.
OP_GRAPHS = {
    ADD: [([0.7, -1.2], [(0, 1)], "a single a + b"),
          ([0.9], [(0, 0)], "x + x: one parent listed twice"),
          ([0.8, -1.1, 0.3], [(0, 1), (3, 2), (4, 0)], "a chain ((x + y) + z) + x"),
          ([0.69, 1.3, -0.4], [(0, 1), (0, 2), (3, 4), (5, 0)],
           "x used by three sums, and their results by others")],
    MUL: [([0.7, -1.2], [(0, 1)], "a single a * b"),
          ([0.9], [(0, 0)], "x * x: one parent listed twice"),
          ([0.8, -1.1, 1.3], [(0, 1), (3, 2), (4, 0)], "a chain ((x y) z) x"),
          ([0.69, 1.3, -0.4], [(0, 1), (0, 2), (3, 4), (5, 0)],
           "x used by three products, and their results by others")],
    TANH: [([0.7], [(0, -1)], "a single tanh(a)"),
           ([0.8], [(0, -1), (1, -1), (2, -1)], "a chain tanh(tanh(tanh(x)))"),
           ([3.0, -20.0, 20.0], [(0, -1), (1, -1), (2, -1)],
            "large inputs, where tanh is close to -1 or 1"),
           ([-0.6], [(0, -1), (0, -1)], "tanh(x) twice from the same x")],
}


def _op_graph(rng, code, n_leaves, n_calls):
    """Random leaves and calls of one operation on recent nodes (deep chains of the student's
    own results), drawn again while a value would leave [0.05, 20] in size."""
    values = [float(v) for v in rng.uniform(-1.5, 1.5, n_leaves)]
    calls = []
    for _ in range(n_calls):
        for _attempt in range(50):
            m = len(values)
            i = m - 1 - min(int(rng.exponential(2.0)), m - 1)
            j = -1 if code == TANH else int(rng.integers(0, m)) if rng.random() < 0.8 else i
            value = _apply(code, values[i], values[j])
            if 0.05 <= abs(value) <= 20.0 or code == TANH:
                break
        calls.append((i, j))
        values.append(value)
    return values[:n_leaves], calls


def _op_case(leaves, calls, label):
    return Case((np.array(leaves, dtype=float), np.array(calls, dtype=np.int64).reshape(-1, 2)),
                label=label + OP_RESULT, **TOL)


def _op_cases(code):
    def cases(rng):
        for leaves, calls, label in OP_GRAPHS[code]:
            yield _op_case(leaves, calls, label)
        for n_leaves, n_calls in [(2, 4), (3, 8), (4, 15), (5, 25), (3, 35)]:
            leaves, calls = _op_graph(rng, code, n_leaves, n_calls)
            yield _op_case(leaves, calls, f"{n_calls} random calls on {n_leaves} leaves and "
                           "their results")
    return cases


# ---------------------------------------------------------------------------------------
# topological_sort: judged here from the listed indices

def _topo_judge(links, root):
    """The judge of one graph: None if the listed indices are a topological order of the nodes
    root depends on, else what is wrong with them."""
    n = len(links)
    reachable = set(np.flatnonzero(_ancestry(links)[root]).tolist())

    def judge(value):
        if isinstance(value, str):
            return f"topological_sort should return a list of the nodes, not a {value[:100]}."
        if not isinstance(value, list) or not all(type(k) is int and -1 <= k < n for k in value):
            return "the grader could not read the list your function returned."
        position, duplicates, foreign = {}, 0, 0
        for place, k in enumerate(value):
            if k not in reachable:
                foreign += 1
            elif k in position:
                duplicates += 1
            else:
                position[k] = place
        missing = len(reachable) - len(position)
        before_parent = after_parent = 0
        for k, place in position.items():
            for p in links[k]:  # a parent listed twice (x * x) counts twice
                if p in position:
                    if position[p] > place:
                        before_parent += 1
                    else:
                        after_parent += 1
        if missing:
            return (f"your list leaves out {missing} of the {len(reachable)} nodes that root "
                    "depends on (root included): visit the parents of every node, and their "
                    "parents, and so on.")
        if foreign:
            return (f"your list holds {foreign} entries that root does not depend on: list only "
                    "root and the nodes reached from it through .parents.")
        if duplicates:
            return (f"your list names some nodes more than once ({duplicates} extra entries): a "
                    "node reached along two paths must be listed once.")
        if before_parent and not after_parent:
            return ("your list is in the reverse order: every node comes before its parents. The "
                    "order asked for has every node AFTER all of its parents, root last.")
        if before_parent:
            return (f"your list puts a node before one of its parents ({before_parent} times): "
                    "every node must come after all of its parents.")
        return None

    return judge


def _topo_case(rng, rows, label):
    args, links = _stored(rng, rows)
    return Case(args, label=label, judge=_topo_judge(links, args[-1]))


def topological_sort_cases(rng):
    # "shared" first: there a pre-order is not simply the reverse of a topological order.
    for key in ("shared", "single +", "x * x", "chain", "uneven"):
        yield _topo_case(rng, *_hand_made(rng, key))
    for n_leaves, n_ops in SIZES:
        rows = random_graph(rng, n_leaves, n_ops, [ADD, MUL, TANH])
        yield _topo_case(rng, rows, f"a random graph of {len(rows)} nodes")


# ---------------------------------------------------------------------------------------
# backpropagate: compared with the reference, with a correct order lent

def _backprop_case(rng, rows, label):
    args, links = _stored(rng, rows)
    root = args[-1]
    order = np.array(_post_order(links, root), dtype=np.int64)
    return Case(args + (order, _ancestry(links)),
                label=label + "; result: the gradients of its nodes", **TOL)


def backpropagate_cases(rng):
    for key in ("single *", "single tanh", "x + x", "x * x", "chain", "uneven", "shared"):
        yield _backprop_case(rng, *_hand_made(rng, key))
    for n_leaves, n_ops in SIZES:
        rows = random_graph(rng, n_leaves, n_ops, [ADD, MUL, TANH])
        yield _backprop_case(rng, rows, f"a random graph of {len(rows)} nodes")


# ---------------------------------------------------------------------------------------
# Catalogued mistakes

def _sort(body):
    return "\ndef topological_sort(root):\n" + body


def _backprop(body):
    return "\ndef backpropagate(root):\n" + body


SPECS = {
    "add": Spec(_op_cases(ADD), driver=_op_driver("add"), seed=1, mistakes=[
        Mistake("the local derivatives of a product", "for c = a + b both local derivatives are 1: "
                "nudging a by h moves c by h, whatever b is. (b, a) are the local derivatives of "
                "a product.", """
def add(a, b):
    return Value(a.data + b.data, (a, b), (b.data, a.data), "+")
"""),
        Mistake("one parent only", "the new Value must record BOTH parents, (a, b), with a local "
                "derivative for each, (1.0, 1.0); otherwise b never receives its gradient.", """
def add(a, b):
    return Value(a.data + b.data, (a,), (1.0,), "+")
"""),
        Mistake("gradients stored as local derivatives", "local_grads holds the derivatives of "
                "the new value with respect to its parents (1 and 1 for a sum), not the parents' "
                ".grad, which is still 0 while the graph is built.", """
def add(a, b):
    return Value(a.data + b.data, (a, b), (a.grad, b.grad), "+")
"""),
    ]),
    "mul": Spec(_op_cases(MUL), driver=_op_driver("mul"), seed=2, mistakes=[
        Mistake("local derivatives swapped", "the derivative of a * b with respect to a is the "
                "OTHER factor, b, and with respect to b it is a: with parents (a, b) the local "
                "derivatives are (b.data, a.data).", """
def mul(a, b):
    return Value(a.data * b.data, (a, b), (a.data, b.data), "*")
"""),
        Mistake("the local derivatives of a sum", "for c = a * b the local derivatives are "
                "(b.data, a.data), not (1, 1): nudging a by h moves c by b h.", """
def mul(a, b):
    return Value(a.data * b.data, (a, b), (1.0, 1.0), "*")
"""),
        Mistake("one parent only", "the new Value must record BOTH parents, (a, b), each with its "
                "local derivative, (b.data, a.data); otherwise b never receives its gradient.", """
def mul(a, b):
    return Value(a.data * b.data, (a,), (b.data,), "*")
"""),
    ]),
    "tanh": Spec(_op_cases(TANH), driver=_op_driver("tanh"), seed=3, mistakes=[
        Mistake("derivative from the input", "the local derivative is 1 - tanh(a)^2, the square of "
                "the OUTPUT t = tanh(a.data), not 1 - a.data^2.", """
def tanh(a):
    t = math.tanh(a.data)
    return Value(t, (a,), (1.0 - a.data ** 2,), "tanh")
"""),
        Mistake("tanh applied twice", "with t = tanh(a.data) already computed, the slope is "
                "1 - t^2; 1 - tanh(t)^2 applies tanh a second time (the sigma'(A) trap of chapter 8).",
                """
def tanh(a):
    t = math.tanh(a.data)
    return Value(t, (a,), (1.0 - math.tanh(t) ** 2,), "tanh")
"""),
        Mistake("the sigmoid's derivative", "t (1 - t) is the derivative of the SIGMOID written "
                "with its output; for tanh it is 1 - t^2.", """
def tanh(a):
    t = math.tanh(a.data)
    return Value(t, (a,), (t * (1.0 - t),), "tanh")
"""),
        Mistake("square missing", "the derivative of tanh is 1 - tanh(a)^2: square t, "
                "1.0 - t * t, not 1.0 - t.", """
def tanh(a):
    t = math.tanh(a.data)
    return Value(t, (a,), (1.0 - t,), "tanh")
"""),
    ]),
    "topological_sort": Spec(topological_sort_cases, driver=TOPO_DRIVER, seed=4, mistakes=[
        Mistake("node before its parents", "you append a node BEFORE visiting its parents "
                "(pre-order), so parents come after their children. Visit the parents first, and "
                "append the node after the loop over them.", _sort("""
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            order.append(node)
            for parent in node.parents:
                visit(parent)

    visit(root)
    return order
""")),
        Mistake("no visited set", "a node reached along two paths (or listed twice as a parent, "
                "as in x * x) is appended twice. Keep a set of the nodes already visited and skip "
                "them.", _sort("""
    order = []

    def visit(node):
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order
""")),
        Mistake("root first", "you return the list reversed, root first and leaves last "
                "(order[::-1]). Return it as built, every node after its parents and root last: "
                "backpropagate is the one that walks it in reverse.", _sort("""
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order[::-1]
""")),
        Mistake("one level of parents", "you list root's parents but not THEIR parents: the list "
                "must hold every node that root depends on, however far back. Recurse into the "
                "parents of each parent.", _sort("""
    order = []
    for parent in root.parents:
        if parent not in order:
            order.append(parent)
    return order + [root]
""")),
        Mistake("breadth-first, reversed", "the reverse of a breadth-first search from root is not "
                "a topological order: a node that can be reached along a short and a long path is "
                "placed by the short one and may end up before a parent. Use a depth-first search "
                "that appends a node after all of its parents.", _sort("""
    order, frontier, seen = [], [root], {root}
    while frontier:
        order += frontier
        nxt = []
        for node in frontier:
            for parent in node.parents:
                if parent not in seen:
                    seen.add(parent)
                    nxt.append(parent)
        frontier = nxt
    return order[::-1]
""")),
    ]),
    "backpropagate": Spec(backpropagate_cases, driver=BACKPROP_DRIVER, seed=5, mistakes=[
        Mistake("overwriting instead of accumulating", "parent.grad = ... keeps only the "
                "contribution of the child visited last. A node used several times (x * x, or a "
                "value shared by two operations) must ADD the contributions: "
                "parent.grad += local * node.grad.", _backprop("""
    root.grad = 1.0
    for node in reversed(topological_sort(root)):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad = local * node.grad
""")),
        Mistake("wrong order", "you visit the nodes in topological order, parents first, so each "
                "node passes its gradient on before its children have filled it in. Walk the "
                "REVERSE order: for node in reversed(topological_sort(root)).", _backprop("""
    root.grad = 1.0
    for node in topological_sort(root):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
""")),
        Mistake("missing the chain factor", "parent.grad += local adds only the local derivative; "
                "the chain rule multiplies it by the gradient that has reached the node: "
                "parent.grad += local * node.grad.", _backprop("""
    root.grad = 1.0
    for node in reversed(topological_sort(root)):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local
""")),
        Mistake("root gradient not set", "the sweep starts from d(root)/d(root) = 1: set "
                "root.grad = 1.0 first, or every product stays 0.", _backprop("""
    for node in reversed(topological_sort(root)):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
""")),
        Mistake("breadth-first order", "visiting the nodes breadth-first from root is not a "
                "reverse topological order: a node reached along a short and a long path passes "
                "its gradient on before the long path has added its share. Use "
                "reversed(topological_sort(root)).", _backprop("""
    root.grad = 1.0
    frontier, seen = [root], {root}
    while frontier:
        nxt = []
        for node in frontier:
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * node.grad
                if parent not in seen:
                    seen.add(parent)
                    nxt.append(parent)
        frontier = nxt
""")),
    ]),
}

# Correct answers written differently: each must get full marks.
ALTERNATIVES = {
    "add": ["""
def add(a, b):
    return Value(b.data + a.data, parents=[b, a], local_grads=[1, 1], op="+")
""", """
def add(a, b):
    out = Value(math.fsum([a.data, b.data]))
    out.parents, out.local_grads, out.op = (a, b), (1.0, 1.0), "+"
    return out
"""],
    "mul": ["""
def mul(a, b):
    # Parents in the other order, each with its own local derivative.
    return Value(b.data * a.data, (b, a), (a.data, b.data), "*")
""", """
def mul(a, b):
    product = a.data * b.data
    return Value(product, parents=(a, b), local_grads=(float(b.data), float(a.data)), op="*")
"""],
    "tanh": ["""
def tanh(a):
    t = (lambda x: math.tanh(x))(a.data)
    return Value(t, (a,), ((1 - t) * (1 + t),), "tanh")
""", """
def tanh(a):
    e = math.exp(-2 * abs(a.data))  # never overflows
    t = math.copysign((1 - e) / (1 + e), a.data)
    return Value(t, [a], [1 - t ** 2], op="tanh")
"""],
    "topological_sort": ["""
def topological_sort(root):
    # Iterative depth-first search with an explicit stack.
    order, seen, stack = [], set(), [(root, iter(root.parents))]
    seen.add(id(root))
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order
""", """
def topological_sort(root):
    # Kahn's algorithm from the root: a node is ready once all of its children are placed.
    nodes, stack = {id(root): root}, [root]
    while stack:
        for p in stack.pop().parents:
            if id(p) not in nodes:
                nodes[id(p)] = p
                stack.append(p)
    children = {k: 0 for k in nodes}
    for node in nodes.values():
        for p in node.parents:
            children[id(p)] += 1
    ready, reverse_order = [root], []
    while ready:
        node = ready.pop()
        reverse_order.append(node)
        for p in node.parents:
            children[id(p)] -= 1
            if children[id(p)] == 0:
                ready.append(p)
    return reverse_order[::-1]
"""],
    "backpropagate": ["""
def backpropagate(root):
    # Gradients gathered in a dictionary first, then written to the nodes.
    order = topological_sort(root)
    grads = {id(node): 0.0 for node in order}
    grads[id(root)] = 1.0
    for node in order[::-1]:
        for k, parent in enumerate(node.parents):
            grads[id(parent)] = grads[id(parent)] + node.local_grads[k] * grads[id(node)]
    for node in order:
        node.grad = grads[id(node)]
""", """
def backpropagate(root):
    # Its own traversal: a node is processed once every child has passed its gradient on.
    pending, stack, seen = {}, [root], {id(root)}
    while stack:
        node = stack.pop()
        for p in node.parents:
            pending[id(p)] = pending.get(id(p), 0) + 1
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    root.grad = 1.0
    ready = [root]
    while ready:
        node = ready.pop()
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
            pending[id(parent)] -= 1
            if pending[id(parent)] == 0:
                ready.append(parent)
"""],
}
