"""Each graded function is judged on its own stated contract: one bug costs points once, the
whole contract is checked and nothing else, and every hint names the real cause.

Each test is a case seen when students' answers were tried, through the sandboxed evaluator
and the trusted verdict (without nbgrader; the pipeline tests cover that path).
"""

import pytest

import grading
from course import ASSIGNMENTS, ROOT
from grading import core, reference


def notebook(assignment, **answers):
    """The master notebook's setup and answer cells, with some answers replaced."""
    sources = dict(reference.answer_sources(assignment))
    sources.update(answers)
    return list(sources.values())


def mistake(assignment, name, mistake_name):
    return next(m for m in grading.load_specs(assignment)[name].mistakes
                if m.name == mistake_name)


# ---------------------------------------------------------------------------------------
# One bug, charged once: a function is judged with the reference versions of the other
# graded functions it calls.

@pytest.mark.parametrize("assignment,buggy,mistake_name,caller", [
    ("ex08_multilayer_backprop", "backprop", "sigma' of the activation", "train"),
    ("ex06_vanishing_gradients", "chain_deltas", "cost without the half", "chain_weight_grads"),
    ("ex02_sigmoid", "sigmoid", "naive formula", "sigmoid_prime"),
    ("ex01_forward_pass", "dense_forward", "transposed weights", "mlp_forward"),
])
def test_a_bug_in_a_helper_costs_points_only_there(assignment, buggy, mistake_name, caller):
    bug = mistake(assignment, buggy, mistake_name)
    verdicts = core.judge_notebook(assignment, notebook(assignment, **{buggy: bug.source}),
                                   [buggy, caller])
    assert not verdicts[buggy][0] and bug.hint in verdicts[buggy][1]
    assert verdicts[caller][0], verdicts[caller][1]


def test_the_book_helpers_of_the_xor_run_are_correct_and_public():
    """train's XOR run calls backprop and sgd_step inside the sandbox (no round trip per call):
    they must agree with the reference, and come from the book's package, not solutions/."""
    import inspect

    import numpy as np

    from backprop import network
    from grading.specs import ex08_multilayer_backprop as ex08

    book, ref = {}, reference.namespace("ex08_multilayer_backprop")
    exec(ex08.BOOK_HELPERS, book)
    for case in ex08.backprop_cases(np.random.default_rng(0)):
        X, Y, weights, biases = case.args
        got, expected = book["backprop"](*case.args), ref["backprop"](*case.args)
        assert core.compare(tuple(expected), tuple(got)) is None, case.label
        step = (weights, biases, *expected, 0.7)
        assert core.compare(tuple(ref["sgd_step"](*step)), tuple(book["sgd_step"](*step))) is None
    assert inspect.getsource(network.backward) in ex08.BOOK_HELPERS
    for answer in reference.answer_sources("ex08_multilayer_backprop").values():
        body = [line for line in answer.splitlines() if line.strip() and not line.startswith("def")]
        assert not all(line in ex08.BOOK_HELPERS for line in body), "a solution is in the source"
    xor = [c for c in ex08.train_cases(np.random.default_rng(0)) if c.public_helpers]
    assert xor and all("XOR" in c.label and c.judge for c in xor)


def test_only_the_cases_marked_public_use_the_book_helpers():
    """A train that reports which backprop it was given: the lent stand-in in the small runs
    (so the batches are recorded), the book's own in the XOR run."""
    spy = """
def train(X, Y, sizes, epochs, batch_size, lr, seed=0):
    raise RuntimeError(backprop.__name__)
"""
    from grading import sandbox
    from grading.specs import ex08_multilayer_backprop as ex08

    import numpy as np

    cases = list(ex08.train_cases(np.random.default_rng(0)))
    cells = notebook("ex08_multilayer_backprop", train=spy)
    plan = sandbox.Plan("train", [(c.args, c.kwargs, c.strict_fp, c.public_helpers)
                                  for c in cases],
                        helpers={"backprop": print, "sgd_step": print},
                        public_helpers=ex08.BOOK_HELPERS)
    results = sandbox.evaluate(cells, [plan])["train"].results
    names = [r.error[1] for r in results]
    assert names == ["backprop" if c.public_helpers else "grader_function_0" for c in cases]


# ---------------------------------------------------------------------------------------
# The whole contract

DENSE = """
def dense_forward(X, W, b):
    if X.shape[1] != W.shape[0]:
        raise ValueError(X_MESSAGE)
    if b.shape != (W.shape[1],):
        raise ValueError(B_MESSAGE)
    return X @ W + b
"""


@pytest.mark.parametrize("x_message,b_message", [
    ('f"X has shape {X.shape} but W has shape {W.shape}"', 'f"b has shape {b.shape}"'),
    ('f"X {list(X.shape)} and W {list(W.shape)} do not chain"', 'f"bias {list(b.shape)}"'),
    ('f"{X.shape[0]}x{X.shape[1]} @ {W.shape[0]}x{W.shape[1]}"',
     'f"b must be ({W.shape[1]},), got ({b.shape[0]}, {b.shape[1]})" if b.ndim == 2 '
     'else f"b has length {len(b)}"'),
    ('f"shapes ({X.shape[0]},{X.shape[1]}) and ({W.shape[0]},{W.shape[1]})"',
     'f"b has shape {b.shape} but W has shape {W.shape}"'),
])
def test_any_readable_rendering_of_the_shapes_is_accepted(x_message, b_message):
    source = DENSE.replace("X_MESSAGE", x_message).replace("B_MESSAGE", b_message)
    passed, message, _ = core.judge("ex01_forward_pass", "dense_forward",
                                    notebook("ex01_forward_pass", dense_forward=source))
    assert passed, message


@pytest.mark.parametrize("mistake_name", ["X checked but not b", "b checked by its length only"])
def test_a_column_vector_bias_is_refused(mistake_name):
    bug = mistake("ex01_forward_pass", "dense_forward", mistake_name)
    passed, message, _ = core.judge("ex01_forward_pass", "dense_forward",
                                    notebook("ex01_forward_pass", dense_forward=bug.source))
    assert not passed and "a 2-d bias" in message and "(d_out, 1)" in bug.hint


@pytest.mark.parametrize("mistake_name", ["batch_size ignored", "shuffled once", "never shuffled",
                                          "loss averaged over the outputs too"])
def test_train_is_held_to_everything_its_instructions_say(mistake_name):
    bug = mistake("ex08_multilayer_backprop", "train", mistake_name)
    passed, message, _ = core.judge("ex08_multilayer_backprop", "train",
                                    notebook("ex08_multilayer_backprop", train=bug.source))
    assert not passed and f"Likely cause: {bug.hint}" in message


@pytest.mark.parametrize("assignment,name,source", [
    ("ex02_sigmoid", "sigmoid_prime",
     "def sigmoid_prime(z):\n    return 0.25 / np.cosh(np.asarray(z, dtype=float) / 2) ** 2\n"),
    ("ex04_chain_rule", "neuron_grad",
     "def neuron_grad(x, w, b):\n    z = float(w @ x + b)\n    d = 0.25 / np.cosh(z / 2) ** 2\n"
     "    return float(sigmoid(z)), d * x, d\n"),
])
def test_floating_point_warnings_count_only_where_the_contract_says(assignment, name, source):
    passed, message, _ = core.judge(assignment, name, notebook(assignment, **{name: source}))
    assert passed, message


def test_floating_point_warnings_still_count_where_the_contract_says():
    bug = mistake("ex02_sigmoid", "sigmoid", "naive formula")
    passed, message, _ = core.judge("ex02_sigmoid", "sigmoid",
                                    notebook("ex02_sigmoid", sigmoid=bug.source))
    assert not passed and "overflow" in message


def test_a_five_point_stencil_is_told_what_it_is():
    bug = mistake("ex04_chain_rule", "numerical_gradient", "five-point stencil")
    passed, message, _ = core.judge("ex04_chain_rule", "numerical_gradient",
                                    notebook("ex04_chain_rule", numerical_gradient=bug.source))
    assert not passed and "five-point" in message and "fixed step" not in message


def test_float32_precision_is_named_as_the_likely_cause():
    source = """
def batch_weight_grad(A_prev, Delta):
    if A_prev.shape[0] != Delta.shape[0]:
        raise ValueError(f"A_prev has shape {A_prev.shape} but Delta has shape {Delta.shape}")
    A32, D32 = A_prev.astype(np.float32), Delta.astype(np.float32)
    return (A32.T @ D32 / A_prev.shape[0]).astype(np.float64)
"""
    passed, message, _ = core.judge("ex07_broadcasting", "batch_weight_grad",
                                    notebook("ex07_broadcasting", batch_weight_grad=source))
    assert not passed and "float32" in message.split("Likely cause:")[1]


def test_the_cross_entropy_gradient_hint_is_true_of_the_reference():
    hint = mistake("ex03_cost_functions", "cross_entropy_grad", "numerator not clipped").hint
    assert "clipped cost" not in hint and "evaluated at the clipped A" in hint


def test_a_lent_helper_is_always_judged_before_the_functions_that_borrow_it():
    """Lent functions stay callable in the evaluator: the borrower must come after."""
    from course import ASSIGNMENTS

    for assignment in ASSIGNMENTS:
        order = list(grading.load_specs(assignment))
        for name, spec in grading.load_specs(assignment).items():
            for helper in spec.helpers:
                assert order.index(helper) < order.index(name), (assignment, helper, name)


# ---------------------------------------------------------------------------------------
# The trusted verdict alone scores a test cell, so the hidden cases include every input the
# cell's visible tests give: a function cannot pass its hidden checks and fail its visible
# tests on the same input, or the other way round.

# Called with what no hidden case can carry as it stands: ex10's backprop_batch is also
# timed, and its driver calls it on arrays built inside the sandbox; ex12's functions take
# the notebook's own Value objects, built by drivers from plain numbers.
NOT_AS_CASES = {"ex10_fast_backprop", "ex12_autograd"}


def visible_calls(assignment):
    """``{function: [(args, kwargs)]}``: each call a test cell of the master notebook makes of
    the function it tests (calls from inside other calls left out), as plain values."""
    import contextlib
    import io

    import nbformat

    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb",
                       as_version=4)
    namespace, calls = {"__name__": "__main__"}, {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            if not cell.metadata.get("nbgrader", {}).get("grade"):
                exec(compile(cell.source, grade_id or "<cell>", "exec"), namespace)
                continue
            name = grade_id[len("test_"):]
            function, depth = namespace[name], [0]

            def recorder(*args, _function=function, _name=name, _depth=depth, **kwargs):
                if not _depth[0]:
                    calls.setdefault(_name, []).append((
                        [a if callable(a) else core._plain(a) for a in args],
                        core._plain(sorted(kwargs.items()))))
                _depth[0] += 1
                try:
                    return _function(*args, **kwargs)
                finally:
                    _depth[0] -= 1

            namespace[name] = recorder
            try:
                exec(compile(cell.source, grade_id, "exec"), namespace)
            finally:
                namespace[name] = function
    return calls


def _bound(signature, args, kwargs):
    """The call's arguments by parameter, defaults filled in: f(X, Y, 5) and f(X, Y, epochs=5)
    give the same inputs."""
    bound = signature.bind(*args, **dict(kwargs))
    bound.apply_defaults()
    return [value for _, value in sorted(bound.arguments.items())]


def _same_input(visible, hidden):
    """Equal plain values; a function equals another that gives the same values on the
    call's other arguments (the visible test's lambda and the spec's function)."""
    import numpy as np

    args, others = visible
    if isinstance(args, list) and isinstance(hidden, list):
        if len(args) != len(hidden):
            return False
        for a, b in zip(args, hidden):
            if callable(a) or callable(b):
                if not (callable(a) and callable(b)):
                    return False
                point = next(x for x in others if not callable(x))
                try:
                    with np.errstate(all="ignore"):
                        if core.compare(a(point), b(point)) is not None:
                            return False
                except Exception:  # noqa: BLE001 - a function of other inputs altogether
                    return False
            elif not core._identical(a, b):
                return False
        return True
    return core._identical(args, hidden)


@pytest.mark.parametrize("assignment", sorted(set(ASSIGNMENTS) - NOT_AS_CASES))
def test_the_hidden_cases_include_every_visible_test_input(assignment):
    import numpy as np

    import inspect

    specs, missing = grading.load_specs(assignment), []
    calls = visible_calls(assignment)
    assert calls, "no visible test calls recorded"
    for name, recorded in calls.items():
        spec = specs[name]
        signature = inspect.signature(reference.namespace(assignment)[name])
        cases = [_bound(signature, [a if callable(a) else core._plain(a) for a in c.args],
                        core._plain(sorted(c.kwargs.items())))
                 for c in spec.cases(np.random.default_rng(spec.seed))]
        for args, kwargs in recorded:
            inputs = _bound(signature, args, kwargs)
            if not any(_same_input((inputs, inputs), case) for case in cases):
                missing.append(f"{name}{tuple(args)!r:.200} {dict(kwargs)}")
    assert not missing, "visible test inputs with no hidden case:\n" + "\n".join(missing)
