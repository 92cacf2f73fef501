"""The hidden checks themselves, through the sandboxed evaluator but without nbgrader: the
reference passes them, every function has its catalogue, and bad return values are explained
plainly. (Every catalogued mistake and every correct alternative goes through the whole
nbgrader pipeline in test_grading_pipeline.py.)"""

import numpy as np
import pytest

import grading
from grading import core, reference
from course import ASSIGNMENTS


def cells(assignment, replace=None):
    """The master notebook's setup and answer cells, with ``{name: source}`` swapped in."""
    sources = dict(reference.answer_sources(assignment))
    sources.update(replace or {})
    return list(sources.values())


def judge(assignment, name, source=None):
    return core.judge(assignment, name, cells(assignment, {name: source} if source else None))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_passes_its_own_checks(assignment):
    for name in grading.load_specs(assignment):
        passed, message, notes = judge(assignment, name)
        assert passed and not notes, (name, message, notes)


def test_every_function_has_at_least_two_correct_alternatives():
    for assignment in ASSIGNMENTS:
        module = __import__(f"grading.specs.{assignment}", fromlist=["SPECS"])
        for name in module.SPECS:
            assert len(getattr(module, "ALTERNATIVES", {}).get(name, [])) >= 2, name


def test_every_function_has_at_least_three_catalogued_mistakes():
    for assignment in ASSIGNMENTS:
        for name, spec in grading.load_specs(assignment).items():
            assert len(spec.mistakes) >= 3, name


CHECKED_DENSE = """
def dense_forward(X, W, b):
    if X.shape[1] != W.shape[0] or b.shape != (W.shape[1],):
        raise ValueError(f"X {X.shape} W {W.shape} b {b.shape}")
    return RETURN
"""


@pytest.mark.parametrize("returned,expected_words", [
    ("(X @ W + b).tolist()", "Python list"),
    ("(X @ W + b).astype(int)", "integer dtype"),
    ("(X @ W + b) * np.nan", "NaN"),
    ("(X @ W + b).T", "shape"),
    ("(X @ W + b)[None]", "keepdims"),
    ("{'Z': X @ W + b}", "dict"),
    ("str(X @ W + b)", "str"),
])
def test_bad_return_values_are_explained(returned, expected_words):
    passed, message, _ = judge("ex01_forward_pass", "dense_forward",
                               CHECKED_DENSE.replace("RETURN", returned))
    assert not passed and expected_words in message, message


def test_messages_show_shapes_not_hidden_values():
    passed, message, _ = judge("ex01_forward_pass", "dense_forward",
                               "def dense_forward(X, W, b):\n    return X @ W  # forgets b\n")
    assert not passed and "shape (" in message
    spec = grading.load_specs("ex01_forward_pass")["dense_forward"]
    hidden_values = {f"{v:.4f}" for case in spec.cases(np.random.default_rng(spec.seed))
                     for array in case.args for v in np.ravel(array)}
    assert not [v for v in hidden_values if v in message]
