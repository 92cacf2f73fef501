"""The hidden checks themselves, in-process: they pass every correct answer, catch every
catalogued mistake with its hint, and explain bad return values plainly."""

import numpy as np
import pytest

import grading
from grading import core, reference
from course import ASSIGNMENTS


def _functions(assignment):
    return list(grading.load_specs(assignment))


def _items(kind):
    for assignment in ASSIGNMENTS:
        module = __import__(f"grading.specs.{assignment}", fromlist=["SPECS"])
        for name, spec in module.SPECS.items():
            if kind == "mistakes":
                for mistake in spec.mistakes:
                    yield pytest.param(assignment, name, mistake, id=f"{name}: {mistake.name}")
            else:
                for i, source in enumerate(getattr(module, "ALTERNATIVES", {}).get(name, [])):
                    yield pytest.param(assignment, name, source, id=f"{name}: alternative {i}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_passes_its_own_checks(assignment):
    ns = reference.namespace(assignment)
    for name in _functions(assignment):
        grading.check(assignment, name, ns[name])


@pytest.mark.parametrize("assignment,name,mistake", list(_items("mistakes")))
def test_catalogued_mistake_is_caught_and_explained(assignment, name, mistake):
    wrong = core.mistake_function(assignment, name, mistake)
    with pytest.raises(AssertionError) as failure:
        grading.check(assignment, name, wrong)
    assert mistake.hint in str(failure.value)


@pytest.mark.parametrize("assignment,name,source", list(_items("alternatives")))
def test_correct_alternative_is_accepted(assignment, name, source):
    ns = dict(reference.namespace(assignment))
    exec(source, ns)
    grading.check(assignment, name, ns[name])


def test_every_function_has_at_least_two_correct_alternatives():
    for assignment in ASSIGNMENTS:
        module = __import__(f"grading.specs.{assignment}", fromlist=["SPECS"])
        for name in module.SPECS:
            assert len(getattr(module, "ALTERNATIVES", {}).get(name, [])) >= 2, name


def test_every_function_has_at_least_three_catalogued_mistakes():
    for assignment in ASSIGNMENTS:
        for name, spec in grading.load_specs(assignment).items():
            assert len(spec.mistakes) >= 3 or spec.behaviour is not None, name


@pytest.mark.parametrize("returned,expected_words", [
    (lambda X, W, b: (X @ W + b).tolist(), "Python list"),
    (lambda X, W, b: (X @ W + b).astype(int), "integer dtype"),
    (lambda X, W, b: (X @ W + b) * np.nan, "NaN"),
    (lambda X, W, b: (X @ W + b).T, "shape"),
    (lambda X, W, b: (X @ W + b)[None], "keepdims"),
])
def test_bad_return_values_are_explained(returned, expected_words):
    def dense_forward(X, W, b):
        if X.shape[1] != W.shape[0] or b.shape != (W.shape[1],):
            raise ValueError(f"X {X.shape} W {W.shape} b {b.shape}")
        return returned(X, W, b)

    with pytest.raises(AssertionError) as failure:
        grading.check("ex01_forward_pass", "dense_forward", dense_forward)
    assert expected_words in str(failure.value)


def test_messages_show_shapes_not_hidden_values():
    def dense_forward(X, W, b):
        return X @ W  # forgets b

    with pytest.raises(AssertionError) as failure:
        grading.check("ex01_forward_pass", "dense_forward", dense_forward)
    message = str(failure.value)
    assert "shape (" in message
    spec = grading.load_specs("ex01_forward_pass")["dense_forward"]
    hidden_values = {f"{v:.4f}" for case in spec.cases(core.np.random.default_rng(spec.seed))
                     for array in case.args for v in np.ravel(array)}
    assert not [v for v in hidden_values if v in message]
