"""A driver holds no answer.

A spec's ``driver`` is source code that runs INSIDE the sandbox, in the student's namespace and
process: everything it defines, and its very text, can be read by the student's code (through
``globals()``, by walking frames, or by hooking ``compile``). So a driver may only build objects
from plain data computed on the trusted side, call the student's functions and return plain
values. These tests check every driver of every assignment in two ways that can really fail:

- by text: no substantial line of a reference answer, or of a correct alternative, of the
  assignment appears in the driver (a driver that borrowed the reference's code would);
- by behaviour: no function the driver defines, at any depth, passes the hidden checks of any
  graded function of the assignment when handed in as that function (a driver with a correct
  topological sort of its own would, however it is written).

The self-tests below show that both checks do catch such a driver. Then the concrete thefts
found in review (the old ex12 drivers' ``_add``, ``_order``, ``_sweep``, reached by name, through
``globals()``, by walking frames or by stealing the driver's text) go through the sandboxed
grader and must score nothing.
"""

import ast
import importlib
import inspect
import re
import types

import numpy as np
import pytest

import grading
from course import ASSIGNMENTS
from grading import core, reference


def _module(assignment):
    return importlib.import_module(f"grading.specs.{assignment}")


DRIVEN = [pytest.param(assignment, name, id=f"{assignment}:{name}")
          for assignment in ASSIGNMENTS
          for name, spec in grading.load_specs(assignment).items() if spec.driver]


def test_some_specs_have_drivers():
    assert {p.values[0] for p in DRIVEN} >= {"ex10_fast_backprop", "ex12_autograd"}


# ---------------------------------------------------------------------------------------
# By text

def _normal(line):
    """A line without its comment and with its spaces collapsed."""
    return " ".join(re.sub(r"\s+#[^'\"]*$", "", line).split())


def _answer_lines(assignment):
    """Every substantial line in the bodies of the functions of the assignment's reference
    answers and correct alternatives (docstrings, comments and short lines left out)."""
    module = _module(assignment)
    sources = [source for grade_id, source in reference.answer_sources(assignment).items()
               if grade_id in module.SPECS]
    sources += [s for alternatives in getattr(module, "ALTERNATIVES", {}).values()
                for s in alternatives]
    lines = set()
    for source in sources:
        text = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body
                if (body and isinstance(body[0], ast.Expr)
                        and isinstance(body[0].value, ast.Constant)):
                    body = body[1:]  # the docstring
                if body:
                    for line in text[body[0].lineno - 1:body[-1].end_lineno]:
                        line = _normal(line)
                        if len(line) > 12 and not line.startswith("#"):
                            lines.add(line)
    return lines


def shared_lines(driver, assignment):
    """The lines of a reference answer or alternative that also stand in a driver."""
    return sorted({_normal(line) for line in driver.splitlines()} & _answer_lines(assignment))


# ---------------------------------------------------------------------------------------
# By behaviour

def _setup_namespace(assignment):
    """The notebook's given code only (setup cells), no answer."""
    specs = _module(assignment).SPECS
    ns = {"__name__": "__main__"}
    for grade_id, source in reference.answer_sources(assignment).items():
        if grade_id not in specs:
            exec(compile(source, f"<setup {grade_id}>", "exec"), ns)
    return ns


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def driver_functions(driver, assignment):
    """Every function a student could get out of a driver: those it binds to a name, and one
    made from every code object in it (nested functions, lambdas) that needs no closure."""
    ns = _setup_namespace(assignment)
    code = compile(driver, "<driver>", "exec")
    exec(code, ns)
    found = {name: value for name, value in ns.items()
             if isinstance(value, types.FunctionType)
             and value.__code__.co_filename == "<driver>"}
    for inner in list(_code_objects(code))[1:]:
        if not inner.co_freevars and inner.co_name not in found:
            found[inner.co_name] = types.FunctionType(inner, ns)
    return found


def passes(assignment, name, func):
    """True if ``func``, handed in as the graded function ``name`` with the notebook's given
    code, passes all of its hidden checks (judged here, on the trusted side, as the sandbox
    would call it: through the spec's driver)."""
    spec = grading.load_specs(assignment)[name]
    cases = list(spec.cases(np.random.default_rng(spec.seed)))
    ref = core._driven(reference.namespace(assignment), spec, name)
    names = list(inspect.signature(ref).parameters)
    expected = [None if case.judge else core.run_local(ref, case, names) for case in cases]
    driven = core._driven({**_setup_namespace(assignment), name: func}, spec, name)
    outcomes = [core.run_local(driven, case, names) for case in cases]
    return core.first_failure(spec, cases, outcomes, expected, names) is None


def answers_in(driver, assignment):
    """(function of the driver, graded function) pairs where the first passes as the second."""
    graded = list(grading.load_specs(assignment))
    return [(fn, name) for fn, func in driver_functions(driver, assignment).items()
            for name in graded if passes(assignment, name, func)]


# ---------------------------------------------------------------------------------------
# The checks, on every driver

@pytest.mark.parametrize("assignment,name", DRIVEN)
def test_a_driver_binds_only_drive_and_private_names(assignment, name):
    """It runs in the student's namespace: any other name it binds would overwrite theirs."""
    driver = grading.load_specs(assignment)[name].driver
    tree = ast.parse(driver)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    bound, pending = set(), list(tree.body)
    while pending:  # every statement run when the driver is loaded, not function bodies
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            pending.extend(ast.iter_child_nodes(node))
    assert "drive" in bound
    assert not [b for b in bound - {"drive"} if not b.startswith("_")], bound


@pytest.mark.parametrize("assignment,name", DRIVEN)
def test_no_line_of_an_answer_stands_in_a_driver(assignment, name):
    driver = grading.load_specs(assignment)[name].driver
    assert not shared_lines(driver, assignment)


@pytest.mark.parametrize("assignment,name", DRIVEN)
def test_no_function_of_a_driver_passes_as_a_graded_function(assignment, name):
    driver = grading.load_specs(assignment)[name].driver
    assert driver_functions(driver, assignment)  # at least drive is tried
    assert not answers_in(driver, assignment)


# ---------------------------------------------------------------------------------------
# The checks can fail

def _renamed(source, old, new):
    return re.sub(rf"\b{old}\b", new, source)


def test_the_checks_catch_a_driver_that_borrows_the_reference():
    spec = grading.load_specs("ex12_autograd")["topological_sort"]
    borrowed = reference.answer_sources("ex12_autograd")["topological_sort"]
    driver = spec.driver + "\n" + _renamed(borrowed, "topological_sort", "_order")
    assert shared_lines(driver, "ex12_autograd")
    assert ("_order", "topological_sort") in answers_in(driver, "ex12_autograd")


def test_the_behaviour_check_catches_an_answer_written_afresh():
    # A correct backward sweep whose every line differs from the reference's and the
    # alternatives': the text check cannot see it, the behaviour check does.
    spec = grading.load_specs("ex12_autograd")["backpropagate"]
    driver = spec.driver + '''

def _walk(top):
    done, ordered = set(), []

    def _visit(v):
        if id(v) in done:
            return
        done.add(id(v))
        for u in v.parents:
            _visit(u)
        ordered.append(v)

    _visit(top)
    top.grad = 1
    for v in ordered[::-1]:
        for u, d in zip(v.parents, v.local_grads):
            u.grad = u.grad + d * v.grad
'''
    assert not shared_lines(driver, "ex12_autograd")
    assert ("_walk", "backpropagate") in answers_in(driver, "ex12_autograd")


# ---------------------------------------------------------------------------------------
# The thefts found in review, through the sandboxed grader

def notebook(assignment, **answers):
    sources = dict(reference.answer_sources(assignment))
    sources.update(answers)
    return list(sources.values())


# Hooks compile() in a cell, so the driver's source text is recorded when the grader
# compiles it, then walks the frames of its caller and takes every function the driver
# defined, and every function of the stolen text, and returns the first result that looks
# like an answer.
THIEF = '''
import builtins
import sys

_real_compile, _STOLEN = builtins.compile, []


def _spy(source, filename, *args, **kwargs):
    if filename == "<driver>" and isinstance(source, str):
        _STOLEN.append(source)
    return _real_compile(source, filename, *args, **kwargs)


builtins.compile = _spy


def NAME(root):
    candidates, frame = [], sys._getframe(1)
    while frame is not None:
        for scope in (frame.f_locals, frame.f_globals):
            for value in list(scope.values()):
                code = getattr(value, "__code__", None)
                if code is not None and code.co_filename == "<driver>" \\
                        and value.__name__ != "drive":
                    candidates.append(value)
        frame = frame.f_back
    for source in _STOLEN:
        stolen = {"Value": Value, "math": math}
        exec(_real_compile(source, "<stolen>", "exec"), stolen)
        candidates += [v for k, v in stolen.items() if isinstance(v, types.FunctionType)
                       and k != "drive"]
    for candidate in candidates:
        try:
            result = candidate(root)
        except Exception:
            continue
        if ACCEPT:
            return result
    raise LookupError("nothing to steal")
'''.replace("import sys", "import sys\nimport types")

THEFTS = [
    ("add", 'def add(a, b):\n    return globals()["_add"](a, b)\n'),
    ("mul", "def mul(a, b):\n    return _mul(a, b)\n"),
    ("tanh", "def tanh(a):\n    return _tanh(a)\n"),
    ("topological_sort", "def topological_sort(root):\n    return _order(root)\n"),
    ("topological_sort", "def topological_sort(root):\n    import sys\n"
                         '    return sys._getframe(1).f_globals["_order"](root)\n'),
    ("backpropagate", "def backpropagate(root):\n    _sweep(root)\n"),
    ("topological_sort", THIEF.replace("NAME", "topological_sort").replace(
        "ACCEPT", "isinstance(result, list) and result and result[-1] is root")),
    ("backpropagate", THIEF.replace("NAME", "backpropagate").replace(
        "ACCEPT", "root.grad == 1.0 and any(p.grad for p in root.parents)")),
]


@pytest.mark.parametrize("name,source", THEFTS, ids=[f"{n}-{i}" for i, (n, _) in
                                                        enumerate(THEFTS)])
def test_taking_what_the_driver_holds_scores_nothing(name, source):
    passed, message, _ = core.judge("ex12_autograd", name,
                                    notebook("ex12_autograd", **{name: source}))
    assert not passed, message
