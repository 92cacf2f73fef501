"""Hidden checks for ex12_autograd: add, mul, tanh, topological_sort and backpropagate (trusted
side).

The student's functions work on objects (the notebook's ``Value``), which cannot travel out of
the sandbox, so every function is graded through a driver (see DRIVERS): it builds a random
expression graph with the student's ``Value`` class inside the sandbox and returns plain numbers.

A graph is a float array with one row per node, in the order the nodes are created, the last
row being the root: ``[LEAF, 0, 0, value]``, ``[ADD, i, j, 0]``, ``[MUL, i, j, 0]`` or
``[TANH, i, 0, 0]``, where ``i`` and ``j`` are the rows of the parents (``i == j`` is allowed:
``x + x``, ``x * x``). Random graphs favour recent nodes as parents, so they are deep and share
nodes; a few leaves and nodes may not reach the root.

- ``add``, ``mul``, ``tanh``: the graph is built with the student's function for that operation
  and the course's correct ones for the others; the driver then runs a correct backward sweep and
  returns ``(values, gradients)`` of all nodes. Any correct answer (parents in either order, each
  with its own local derivative) gives the reference's numbers.
- ``topological_sort``: the driver returns counts (nodes left out, listed twice, not in the graph,
  listed before a parent) and each case's ``judge`` turns them into a message.
- ``backpropagate``: the graph is built with correct operations, and for the duration of each
  call the driver puts a correct ``topological_sort`` in the student's namespace (and their own
  back afterwards): that is the lending of a helper, which ``Spec.helpers`` can do only for
  functions of plain values, so a wrong topological sort costs its points once. The driver
  returns the gradients of all nodes.
"""

from grading.core import Case, Mistake, Spec, np

LEAF, ADD, MUL, TANH = 0, 1, 2, 3

# Tolerances. Values and gradients are sums and products along at most about 40 nodes, with
# leaves in [-1.5, 1.5] and tanh keeping intermediate values bounded: every entry is below 1e4
# in size. Two correct answers may add a node's contributions in another order (another valid
# topological order) or compute tanh' as (1 - t)(1 + t): a few ulps per operation, at most about
# 40 * 2.2e-16 * 1e4 < 1e-10 absolute. atol = 1e-9 and rtol = 1e-9 sit above that, and every
# catalogued mistake changes some value or gradient by a whole term of order 0.01 or more.
TOL = dict(rtol=1e-9, atol=1e-9)

_COMMON = """
import numpy as np  # the notebook itself needs only math


def _add(a, b):
    return Value(a.data + b.data, (a, b), (1.0, 1.0), "+")


def _mul(a, b):
    return Value(a.data * b.data, (a, b), (b.data, a.data), "*")


def _tanh(a):
    t = float(np.tanh(a.data))
    return Value(t, (a,), (1.0 - t * t,), "tanh")


def _build(graph, ops):
    nodes = []
    for code, i, j, value in graph.tolist():
        code, i, j = int(code), int(i), int(j)
        if code == 0:
            nodes.append(Value(value))
        elif code == 3:
            nodes.append(ops[3](nodes[i]))
        else:
            nodes.append(ops[code](nodes[i], nodes[j]))
    return nodes


def _order(root):
    # Iterative depth-first post-order: every node after its parents.
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if id(p) not in seen)
    return order


def _sweep(root):
    root.grad = 1.0
    for node in reversed(_order(root)):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
"""


def _op_driver(op_code, name):
    ops = {ADD: "_add", MUL: "_mul", TANH: "_tanh"}
    ops[op_code] = name
    table = "{" + ", ".join(f"{k}: {v}" for k, v in sorted(ops.items())) + "}"
    return _COMMON + f"""

def drive(graph):
    nodes = _build(graph, {table})
    _sweep(nodes[-1])
    return (np.array([v.data for v in nodes]), np.array([v.grad for v in nodes]))
"""


TOPO_DRIVER = _COMMON + """

def drive(graph):
    nodes = _build(graph, {1: _add, 2: _mul, 3: _tanh})
    root = nodes[-1]
    order = topological_sort(root)
    if not isinstance(order, (list, tuple)):
        return (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    reachable = {id(v) for v in _order(root)}
    position = {}
    duplicates = foreign = 0
    for k, v in enumerate(order):
        if id(v) not in reachable:
            foreign += 1
        elif id(v) in position:
            duplicates += 1
        else:
            position[id(v)] = k
    missing = len(reachable) - len(position)
    before_parent = sum(1 for v in _order(root) if id(v) in position
                        for p in v.parents
                        if id(p) in position and position[id(p)] > position[id(v)])
    after_child = sum(1 for v in _order(root) if id(v) in position
                      for p in v.parents
                      if id(p) in position and position[id(p)] < position[id(v)])
    return (1.0, float(len(reachable)), float(missing), float(duplicates), float(foreign),
            float(before_parent), float(after_child))
"""

BACKPROP_DRIVER = _COMMON + """

def drive(graph):
    nodes = _build(graph, {1: _add, 2: _mul, 3: _tanh})
    # Lend a correct topological_sort for this call only, so that only backpropagate is judged
    # here; the student's own is put back afterwards (the namespace is shared by all functions).
    namespace = globals()
    own = namespace.get("topological_sort")
    namespace["topological_sort"] = _order
    try:
        backpropagate(nodes[-1])
    finally:
        namespace["topological_sort"] = own
    return np.array([v.grad for v in nodes])
"""


# ---------------------------------------------------------------------------------------
# Graphs

def _leaves(rng, k):
    return [[LEAF, 0, 0, float(rng.uniform(-1.5, 1.5))] for _ in range(k)]


def random_graph(rng, n_leaves, n_ops, codes):
    rows = _leaves(rng, n_leaves)
    for _ in range(n_ops):
        code = int(rng.choice(codes))
        m = len(rows)
        i = m - 1 - min(int(rng.exponential(2.0)), m - 1)  # mostly a recent node: depth
        j = int(rng.integers(0, m)) if rng.random() < 0.8 else i  # sometimes the same node
        rows.append([code, i, j if code != TANH else 0, 0.0])
    return np.array(rows, dtype=float)


def _g(*rows):
    return np.array(rows, dtype=float)


# Hand-made graphs: (graph, label)
SINGLE = {
    ADD: (_g([LEAF, 0, 0, 0.7], [LEAF, 0, 0, -1.2], [ADD, 0, 1, 0]), "a single a + b"),
    MUL: (_g([LEAF, 0, 0, 0.7], [LEAF, 0, 0, -1.2], [MUL, 0, 1, 0]), "a single a * b"),
    TANH: (_g([LEAF, 0, 0, 0.7], [TANH, 0, 0, 0]), "a single tanh(a)"),
}
TWICE = {
    ADD: (_g([LEAF, 0, 0, 0.9], [ADD, 0, 0, 0]), "x + x: one parent listed twice"),
    MUL: (_g([LEAF, 0, 0, 0.9], [MUL, 0, 0, 0]), "x * x: one parent listed twice"),
}
# tanh(tanh(tanh(x))) * y: a chain, where each gradient is a product of local derivatives.
CHAIN = (_g([LEAF, 0, 0, 0.8], [LEAF, 0, 0, -1.1], [TANH, 0, 0, 0], [TANH, 2, 0, 0],
            [TANH, 3, 0, 0], [MUL, 4, 1, 0]), "a chain tanh(tanh(tanh(x))) * y")
# v = 2x; g = v y + tanh(tanh(v)): v is reached from g along paths of lengths 2 and 3, so a
# breadth-first order is not topological; a leaf z is not used by the root.
UNEVEN = (_g([LEAF, 0, 0, 0.7], [LEAF, 0, 0, 2.0], [LEAF, 0, 0, -1.3], [LEAF, 0, 0, 0.4],
             [MUL, 0, 1, 0], [MUL, 4, 2, 0], [TANH, 4, 0, 0], [TANH, 6, 0, 0], [ADD, 5, 7, 0]),
          "g = v y + tanh(tanh(v)) with v = 2x: paths of different lengths, and an unused leaf")
# f = (x y + x) tanh(x): x shared by three operations.
SHARED = (_g([LEAF, 0, 0, 0.69], [LEAF, 0, 0, 3.0], [MUL, 0, 1, 0], [ADD, 2, 0, 0],
             [TANH, 0, 0, 0], [MUL, 3, 4, 0]), "f = (x y + x) tanh(x): x used three times")


def _op_cases(code):
    def cases(rng):
        for graph, label in [SINGLE[code], CHAIN, UNEVEN, SHARED] + ([TWICE[code]] if code in TWICE else []):
            yield Case((graph,), label=label + "; result: (node values, node gradients)", **TOL)
        for n_leaves, n_ops in [(2, 4), (3, 8), (4, 15), (5, 25), (3, 35)]:
            graph = random_graph(rng, n_leaves, n_ops, [code, code, ADD, MUL, TANH])
            yield Case((graph,), label=f"a random graph of {len(graph)} nodes; result: (node "
                       "values, node gradients)", **TOL)
    return cases


def _topo_judge(value):
    try:
        ok, reachable, missing, duplicates, foreign, before_parent, after_child = (
            float(v) for v in value)
    except (TypeError, ValueError):
        return "the driver could not read your result."
    if not ok:
        return "topological_sort should return a list of the nodes."
    if missing:
        return (f"your list leaves out {missing:.0f} of the {reachable:.0f} nodes that root depends "
                "on (root included): visit the parents of every node, and their parents, and so on.")
    if foreign:
        return (f"your list holds {foreign:.0f} entries that root does not depend on: list only "
                "root and the nodes reached from it through .parents.")
    if duplicates:
        return (f"your list names some nodes more than once ({duplicates:.0f} extra entries): a node "
                "reached along two paths must be listed once.")
    if before_parent and not after_child:
        return ("your list is in the reverse order: every node comes before its parents. The "
                "order asked for has every node AFTER all of its parents, root last.")
    if before_parent:
        return (f"your list puts a node before one of its parents ({before_parent:.0f} times): "
                "every node must come after all of its parents.")
    return None


def topological_sort_cases(rng):
    # SHARED first: there a pre-order is not simply the reverse of a topological order.
    for graph, label in (SHARED, SINGLE[ADD], TWICE[MUL], CHAIN, UNEVEN):
        yield Case((graph,), label=label, judge=_topo_judge)
    for n_leaves, n_ops in [(2, 5), (3, 10), (4, 20), (5, 30), (3, 40), (6, 40)]:
        graph = random_graph(rng, n_leaves, n_ops, [ADD, MUL, TANH])
        yield Case((graph,), label=f"a random graph of {len(graph)} nodes", judge=_topo_judge)


def backpropagate_cases(rng):
    for graph, label in (SINGLE[MUL], SINGLE[TANH], TWICE[ADD], TWICE[MUL], CHAIN, UNEVEN, SHARED):
        yield Case((graph,), label=label + "; result: the gradients of its nodes", **TOL)
    for n_leaves, n_ops in [(2, 5), (3, 10), (4, 20), (5, 30), (3, 40), (6, 40)]:
        graph = random_graph(rng, n_leaves, n_ops, [ADD, MUL, TANH])
        yield Case((graph,), label=f"a random graph of {len(graph)} nodes; result: the "
                   "gradients of its nodes", **TOL)


# ---------------------------------------------------------------------------------------
# Catalogued mistakes

def _sort(body):
    return "\ndef topological_sort(root):\n" + body


def _backprop(body):
    return "\ndef backpropagate(root):\n" + body


SPECS = {
    "add": Spec(_op_cases(ADD), driver=_op_driver(ADD, "add"), mistakes=[
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
    "mul": Spec(_op_cases(MUL), driver=_op_driver(MUL, "mul"), mistakes=[
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
    "tanh": Spec(_op_cases(TANH), driver=_op_driver(TANH, "tanh"), mistakes=[
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
    "topological_sort": Spec(topological_sort_cases, driver=TOPO_DRIVER, mistakes=[
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
    "backpropagate": Spec(backpropagate_cases, driver=BACKPROP_DRIVER, mistakes=[
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
