"""Broken and adversarial notebooks, graded through the real pipeline, with their expected grades.

All submissions are of ex02_sigmoid: sigmoid (3 points), sigmoid_prime (3), relu (2),
relu_prime (2). Each scenario changes a reference submission in one way; the table says
what each test cell must score.
"""

import copy
import json

import nbformat
import pytest

from course import ROOT, Course

A = "ex02_sigmoid"
FULL = {"test_sigmoid": 3, "test_sigmoid_prime": 3, "test_relu": 2, "test_relu_prime": 2}
WRONG_RELU = "def relu(z):\n    return np.abs(z)\n"


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _index(nb, grade_id):
    return nb.cells.index(_cell(nb, grade_id))


def _delete(grade_id):
    def edit(nb):
        nb.cells.pop(_index(nb, grade_id))
    return edit


def _move_to_top(grade_id):
    def edit(nb):
        nb.cells.insert(0, nb.cells.pop(_index(nb, grade_id)))
    return edit


def _duplicate(grade_id):
    def edit(nb):
        twin = copy.deepcopy(_cell(nb, grade_id))
        twin["id"] = "copied-by-student"
        nb.cells.append(twin)
    return edit


def _edit_test(grade_id, source):
    def edit(nb):
        _cell(nb, grade_id).source = source
    return edit


def _reverse(nb):
    nb.cells.reverse()


def _both(*edits):
    def edit(nb):
        for e in edits:
            e(nb)
    return edit


def _reference_answer(grade_id):
    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    return _cell(nb, grade_id).source


# scenario: (answers replacing the reference ones, edit of the notebook, expected scores)
SCENARIOS = {
    "answer-cell-raises": (
        {"sigmoid": "1 / 0\n" + _reference_answer("sigmoid")}, None,
        dict(FULL, test_sigmoid=0, test_sigmoid_prime=0)),
    "function-loops-forever": (
        {"relu": "def relu(z):\n    while True:\n        pass\n"}, None,
        dict(FULL, test_relu=0)),
    "cell-loops-forever": (
        {"relu_prime": "while True:\n    pass\n" + _reference_answer("relu_prime")}, None,
        dict(FULL, test_relu_prime=0)),
    "prints-megabytes": (
        {"relu": "print('x' * 5_000_000)\nfor _ in range(100_000):\n    print('spam')\n"
                 + _reference_answer("relu")}, None,
        FULL),
    "test-cell-edited": (
        {"relu": WRONG_RELU}, _edit_test("test_relu", "pass  # all good!"),
        dict(FULL, test_relu=0)),
    "test-cells-deleted": (
        {"relu": WRONG_RELU}, _both(_delete("test_sigmoid"), _delete("test_relu")),
        dict(FULL, test_relu=0)),
    "test-cell-duplicated": (
        {}, _duplicate("test_sigmoid_prime"), FULL),
    "test-cell-moved-to-top": (
        {}, _move_to_top("test_sigmoid"), FULL),
    "answer-cell-deleted": (
        {}, _delete("relu_prime"), dict(FULL, test_relu_prime=0)),
    "cells-reversed": (
        {}, _reverse, FULL),
    "monkeypatches-numpy": (
        {"relu": "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
                 + WRONG_RELU}, None,
        dict(FULL, test_relu=0)),
    "redefines-names-the-tests-use": (
        {"relu": "grading = None\ncheck = None\ncore = None\nreference = None\n" + WRONG_RELU},
        None, dict(FULL, test_relu=0)),
    "reseeds-and-patches-the-generator": (
        {"relu": "np.random.seed(0)\nnp.random.default_rng = lambda *a, **k: None\n" + WRONG_RELU},
        None, dict(FULL, test_relu=0)),
    "returns-a-list": (
        {"relu": "def relu(z):\n    return np.maximum(z, 0).tolist()\n"}, None,
        dict(FULL, test_relu=0)),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("robustness"), [A])
    for student, (changes, edit, _) in SCENARIOS.items():
        answers = {k: v for k, v in ((g, _reference_answer(g)) for g in FULL_ANSWERS)}
        answers.update(changes)
        course.submit(A, student, answers=answers, edit=edit)
    # A short per-cell limit keeps the infinite loops cheap; the course's own limit (30 s)
    # is checked in test_the_course_sets_its_limits.
    course.autograde(A, "--Execute.timeout=8")
    course.feedback(A)
    return course


FULL_ANSWERS = ["sigmoid", "sigmoid_prime", "relu", "relu_prime"]


@pytest.mark.parametrize("student", SCENARIOS)
def test_scenario_gets_its_expected_grade(graded, student):
    scores = graded.scores(A, student)
    expected = SCENARIOS[student][2]
    assert {k: scores[k] for k in expected} == expected
    assert scores["total"] == sum(expected.values())


def test_monkeypatching_is_undone_and_reported(graded):
    feedback = graded.feedback_html(A, "monkeypatches-numpy")
    assert "numpy.allclose" in feedback and "put the originals back" in feedback


def test_huge_output_is_capped(graded):
    path = graded.path / "autograded" / "prints-megabytes" / A / f"{A}.ipynb"
    assert path.stat().st_size < 300_000
    feedback = graded.path / "feedback" / "prints-megabytes" / A / f"{A}.html"
    assert feedback.stat().st_size < 2_000_000


def test_deleted_test_cells_are_restored(graded):
    nb = graded.autograded(A, "test-cells-deleted")
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert "test_sigmoid" in ids and "test_relu" in ids


def test_moved_cells_are_put_back_in_order(graded):
    nb = graded.autograded(A, "cells-reversed")
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    release = graded.release(A)
    assert ids == [c.metadata["nbgrader"]["grade_id"] for c in release.cells]


def test_the_course_sets_its_limits():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert config.Execute.timeout == 30
    assert config.OverwriteCells.add_missing_cells is True
    assert "grading.guard" in json.dumps(list(config.Execute.extra_arguments))
