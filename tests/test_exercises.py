"""The exercise notebooks: generated from solutions/, committed unchanged, following the contract."""

import ast

import nbformat
import pytest

import grading
from course import ASSIGNMENTS, ROOT, Course

CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    return Course(tmp_path_factory.mktemp("regenerate"))


def test_every_chapter_has_an_assignment():
    assert [c[:2] for c in CHAPTERS] == [a[2:4] for a in ASSIGNMENTS]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_what_nbgrader_generates(regenerated, assignment):
    name = f"{assignment}/{assignment}.ipynb"
    fresh = (regenerated.path / "exercises" / name).read_bytes()
    committed = (ROOT / "exercises" / name).read_bytes()
    assert fresh == committed, (f"exercises/{name} differs from what nbgrader generates: run "
                                f"`nbgrader generate_assignment {assignment} --force`")


def test_exercises_folder_holds_only_releases():
    files = {p.relative_to(ROOT / "exercises").as_posix()
             for p in (ROOT / "exercises").rglob("*") if p.is_file()}
    assert files == {f"{a}/{a}.ipynb" for a in ASSIGNMENTS}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_answers_or_hidden_tests(assignment):
    text = (ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "grading", "END HIDDEN TESTS"):
        assert secret not in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_graded_function_has_its_answer_and_test_cell(assignment):
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    answers = [m["grade_id"] for m in meta if m.get("solution")]
    tests = [m["grade_id"] for m in meta if m.get("grade")]
    assert answers == list(grading.load_specs(assignment)), "one spec per graded function"
    assert tests == [f"test_{a}" for a in answers]
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader", {})
        if m.get("solution"):
            tree = ast.parse(cell.source)
            defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
            assert m["grade_id"] in defined, f"answer cell {m['grade_id']} defines {defined}"
        if m.get("grade"):
            assert m["points"] > 0
            first = cell.source.splitlines()[0]
            assert first.startswith('"""Checks '), f"{m['grade_id']} should open with what it checks"
            # The hidden block only says where the hidden checks are: they run outside the
            # notebook (grading/nbgrader_hooks.HiddenChecks), never in the student's kernel.
            hidden = cell.source.split("### BEGIN HIDDEN TESTS\n", 1)[1].split("### END HIDDEN TESTS")[0]
            assert hidden == (f"# The hidden checks of {m['grade_id'][5:]} run outside this notebook, "
                              f"in a sandbox (grading/specs/{assignment}.py).\n"), hidden


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_master_notebooks_store_no_outputs(assignment):
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_nbgrader_validate_passes_the_solution_and_fails_the_release():
    """`nbgrader validate` exits 0 even when a notebook fails, so use its Python API."""
    from nbgrader.validator import Validator

    assignment = ASSIGNMENTS[0]
    solution = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    release = ROOT / "exercises" / assignment / f"{assignment}.ipynb"
    assert Validator().validate(str(solution)) == {}
    failed = Validator().validate(str(release))
    assert failed.get("failed"), failed
    inverted = Validator(invert=True)
    assert "passed" not in inverted.validate(str(release))
