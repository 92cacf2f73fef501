"""Repair before refusing (grading/repair.py): damaged submissions put back into the shape of
the release, one line per repair; files that are not notebooks refused with the reason.

Most tests repair notebooks directly against a generated release and its gradebook (no
kernel); one runs the `nbgrader autograde` command itself. The whole class run, with
grades, is in test_grade_all.py.
"""

import codecs
import copy
import json

import nbformat
import pytest

from course import Course, cell_of, without
from grading import repair

A = "ex02_sigmoid"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return Course(tmp_path_factory.mktemp("repair"), [A])


@pytest.fixture(scope="module")
def release(course):
    return repair.load_release(course.path / "exercises" / A / f"{A}.ipynb",
                               f"sqlite:///{course.path / 'gradebook.db'}", A, A)


def _ids(cells):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells]


def _repaired(course, release, edit=None, answers=None):
    nb = course.filled(A, answers, edit)
    notes = []
    cells = repair.repair_cells(list(copy.deepcopy(nb).cells), release, notes)
    return cells, notes


def _assert_like_the_release(cells, release):
    tracked = [c for c in cells if "nbgrader" in c.metadata]
    assert _ids(tracked) == [release.grade_id(i) for i in range(len(release.cells))]
    for i, cell in enumerate(tracked):
        want = release.meta(i)
        assert cell.cell_type == release.cells[i].cell_type
        for key in ("grade", "solution", "points", "locked"):
            assert cell.metadata.nbgrader.get(key) == want.get(key), (cell, key)
        if release.kind(i) != "answer":
            assert cell.source == release.locked_source(i)
    assert len({c.id for c in cells}) == len(cells)


def test_an_intact_submission_needs_no_repair(course, release):
    cells, notes = _repaired(course, release)
    assert notes == []
    _assert_like_the_release(cells, release)


@pytest.mark.parametrize("deleted, words", [
    (("setup",), ["Restored the setup cell `setup`"]),
    (("relu", "test_relu"), ["Restored the answer cell `relu`", "`relu` scores 0",
                             "Restored the test cell `test_relu`"]),
    (("test_sigmoid",), ["Restored the test cell `test_sigmoid`"]),
])
def test_deleted_cells_are_restored_from_the_release(course, release, deleted, words):
    cells, notes = _repaired(course, release, without(*deleted))
    _assert_like_the_release(cells, release)
    for word in words:
        assert any(word in note for note in notes), notes
    if "relu" in deleted:
        assert "NotImplementedError" in cell_of(nbformat.v4.new_notebook(cells=cells), "relu").source


def test_stripped_metadata_is_matched_by_source_and_by_function(course, release):
    def strip_and_shuffle(nb):
        for cell in nb.cells:
            cell.metadata = {}
        nb.cells.reverse()
        nb.cells.insert(3, nbformat.v4.new_code_cell("my_helper = 1  # the student's own"))

    cells, notes = _repaired(course, release, strip_and_shuffle)
    _assert_like_the_release(cells, release)
    answers = course.answers(A)
    nb = nbformat.v4.new_notebook(cells=cells)
    for grade_id in answers:
        assert cell_of(nb, grade_id).source == answers[grade_id]  # the student's code kept
    assert any("my_helper" in c.source for c in cells)
    assert any("by their content" in note for note in notes)
    assert any("original order" in note for note in notes)


def test_a_students_own_cells_stay_after_the_cell_they_followed(course, release):
    def add_after_relu(nb):
        at = nb.cells.index(cell_of(nb, "relu"))
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell("print(relu(-1.0))"))

    cells, notes = _repaired(course, release, add_after_relu)
    assert notes == []
    ids = _ids(cells)
    assert ids[ids.index("relu") + 1] is None and "print(relu" in cells[ids.index("relu") + 1].source


def test_copies_and_cells_of_other_exercises(course, release):
    def damage(nb):
        for grade_id in ("test_sigmoid", "relu"):
            twin = copy.deepcopy(cell_of(nb, grade_id))
            twin["id"] = f"copy-of-{grade_id}".replace("_", "-")
            nb.cells.append(twin)
        foreign = nbformat.v4.new_code_cell("def dense_forward(X, W, b):\n    return X @ W + b\n")
        foreign.metadata.nbgrader = {"grade_id": "dense_forward", "solution": True,
                                     "grade": False, "locked": False, "schema_version": 3}
        test = nbformat.v4.new_code_cell("assert dense_forward is not None")
        test.metadata.nbgrader = {"grade_id": "test_dense_forward", "solution": False,
                                  "grade": True, "points": 3, "locked": True,
                                  "schema_version": 3}
        nb.cells += [foreign, test]

    cells, notes = _repaired(course, release, damage)
    _assert_like_the_release(cells, release)
    sources = [c.source for c in cells]
    assert not any("dense_forward is not None" in s for s in sources)  # foreign test dropped
    assert any("def dense_forward" in s for s in sources)  # the student's code stays, plain
    assert "Removed a second copy of the test cell `test_sigmoid`." in notes
    assert any("second copy of the answer cell `relu`" in note for note in notes)
    assert any("`test_dense_forward`" in note for note in notes)


@pytest.mark.parametrize("change, words", [
    (lambda nb: cell_of(nb, "test_relu").metadata.nbgrader.update(grade=False), "not graded"),
    (lambda nb: cell_of(nb, "test_relu").metadata.nbgrader.update(points=50), "points"),
    (lambda nb: cell_of(nb, "test_relu").metadata.nbgrader.update(solution=True), "answer cell"),
    (lambda nb: cell_of(nb, "test_relu").metadata.nbgrader.update(grade_id="mine"), "renamed"),
    (lambda nb: cell_of(nb, "test_relu").update(source="pass  # trust me"), "edited"),
])
def test_changed_grading_metadata_is_reset(course, release, change, words):
    cells, notes = _repaired(course, release, change)
    _assert_like_the_release(cells, release)
    assert any(words in note for note in notes), notes


def test_a_cell_type_change_is_undone_and_the_answer_kept(course, release):
    def to_markdown(nb):
        cell = cell_of(nb, "relu")
        cell.cell_type = "markdown"
        del cell["outputs"], cell["execution_count"]

    cells, notes = _repaired(course, release, to_markdown)
    _assert_like_the_release(cells, release)
    assert cell_of(nbformat.v4.new_notebook(cells=cells), "relu").source == course.answers(A)["relu"]
    assert any("back into a code cell" in note for note in notes)


def test_an_old_repair_note_is_replaced_not_repeated(course, release):
    def resubmitted_feedback_copy(nb):
        nb.cells.insert(0, repair.note_cell(["Restored something last time."]))

    cells, notes = _repaired(course, release, resubmitted_feedback_copy)
    assert notes == []
    assert not any(repair.NOTE_KEY in c.metadata for c in cells)


def test_the_note_cell_is_no_grade_cell(course):
    nb = course.filled(A)
    nb.cells.insert(0, repair.note_cell(["Restored the setup cell `setup`."]))
    assert "nbgrader" not in nb.cells[0].metadata
    assert repair.repairs_of(nb) == ["Restored the setup cell `setup`."]
    assert "- Restored the setup cell `setup`." in nb.cells[0].source


# --------------------------------------------------------------------------- reading

def _bytes(course, encoding="utf-8"):
    return nbformat.writes(course.filled(A)).encode(encoding)


def test_reading_accepts_a_bom_latin_1_utf_16_and_nbformat_3(course):
    plain = _bytes(course)
    nb, notes = repair.parse_submission(codecs.BOM_UTF8 + plain)
    assert len(nb.cells) == len(course.release(A).cells) and "byte-order mark" in notes[0]
    text = nbformat.writes(course.filled(A, dict(course.answers(A), relu="# é\n")))
    nb, notes = repair.parse_submission(text.encode("latin-1"))
    assert "Latin-1" in notes[0] and "é" in cell_of(nb, "relu").source
    nb, notes = repair.parse_submission(text.encode("utf-16"))
    assert "UTF-16" in notes[0] and "é" in cell_of(nb, "relu").source
    v3 = nbformat.writes(nbformat.convert(course.filled(A), 3), version=3).encode()
    nb, notes = repair.parse_submission(v3)
    assert nb.nbformat == 4 and "nbformat 3" in notes[0]
    assert _ids(nb.cells) == _ids(course.release(A).cells)


@pytest.mark.parametrize("data, reason", [
    (b"", "not a notebook: the file is empty (0 bytes)"),
    (b"  \n", "not a notebook: the file is empty (3 bytes)"),
    (b'{\n "cells": [\n  {oops}\n ]\n}', "not a notebook: invalid JSON at line 3, column 4"),
    (b"PK\x03\x04 a zip file", "not a notebook: invalid JSON at line 1, column 1"),
    (b"[1, 2]", "not a notebook: the JSON is a list"),
    (b'{"nbformat": 5, "cells": []}', "nbformat 5 is not supported"),
    (b'{"hello": "world"}', "not a notebook: a JSON object without cells"),
    # 10 MB of empty lists took 600 MB of memory to read; a 200 MB file would take 12 GB.
    (b'{"nbformat": 4, "cells": [], "metadata": {"x": [' + b",".join([b"[]"] * 3_500_000)
     + b"]}}", "millions of small JSON values"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "source": "", "metadata": {}}] * 100_000}).encode(),
     "100000 cells, over the limit of 2000"),
])
def test_a_file_that_is_no_notebook_is_refused_with_the_reason(data, reason):
    with pytest.raises(repair.NotANotebook) as refused:
        repair.parse_submission(data)
    assert reason in str(refused.value)


def test_reading_tidies_broken_cells():
    raw = {"nbformat": 4, "nbformat_minor": 5, "metadata": [], "cells": [
        "not a cell",
        {"cell_type": "code", "source": ["x = ", "1\n"], "metadata": "oops", "outputs": "bad"},
        {"cell_type": "weird", "source": "text", "metadata": {"nbgrader": "a string"}},
        {"cell_type": "markdown", "source": "same id", "id": "dup", "metadata": {}},
        {"cell_type": "markdown", "source": "same id", "id": "dup", "metadata": {}},
    ]}
    nb, notes = repair.parse_submission(json.dumps(raw).encode())
    nbformat.validate(nb)
    assert [c.cell_type for c in nb.cells] == ["code", "markdown", "markdown", "markdown"]
    assert nb.cells[0].source == "x = 1\n"
    assert len({c.id for c in nb.cells}) == 4
    assert len(notes) == 4 and "not a dictionary (a str)" in notes[-1]


def test_the_nbgrader_command_repairs_and_refuses_with_the_reason(course):
    """`nbgrader autograde` itself reads with SubmissionExporter and repairs (config)."""
    course.submit(A, "deleted-and-stripped", edit=lambda nb: (
        without("setup", "relu", "test_relu")(nb),
        [cell.metadata.clear() for cell in nb.cells]))
    course.submit(A, "long-grade-id", edit=lambda nb: nb.cells.append(nbformat.v4.new_code_cell(
        "pass", metadata={"nbgrader": {"grade_id": "\x1b[2J" + "G" * 100_000, "grade": True,
                                       "solution": False, "locked": False, "points": 1,
                                       "schema_version": 3}})))
    folder = course.path / "submitted" / "not-json" / A
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").write_text('{"cells": [\n  oops')
    with pytest.raises(RuntimeError) as failed:
        course.autograde(A)
    assert "not a notebook: invalid JSON at line 2, column 3" in str(failed.value)
    scores = course.scores(A, "deleted-and-stripped")
    assert scores["test_relu"] == 0 and scores["total"] == 8
    graded = course.autograded(A, "deleted-and-stripped")
    assert any("Restored the setup cell" in line for line in repair.repairs_of(graded))
    # A repair note quotes what it removed, but never at any length, nor a control character.
    notes = repair.repairs_of(course.autograded(A, "long-grade-id"))
    assert any("Removed the grade cell" in note for note in notes), notes
    assert all(len(note) <= repair.NOTE_CHARS + 10 and "\x1b" not in note for note in notes)


@pytest.mark.parametrize("edit", [
    lambda raw: raw["cells"][3]["metadata"].update(tags="x"),
    lambda raw: raw["cells"][3]["metadata"].update(collapsed="yes", jupyter=5),
    lambda raw: raw["metadata"].update(language_info={"name": 5}),
    lambda raw: raw["cells"][0].update(attachments={"x.png": "oops"}),
], ids=["tags", "collapsed", "language-info", "attachments"])
def test_metadata_the_format_forbids_is_removed_not_fatal(course, edit):
    """Metadata that broke the notebook's schema left its student ungraded with a reason such
    as "nbgrader could not grade it: 5"."""
    raw = json.loads(nbformat.writes(course.filled(A)))
    edit(raw)
    nb, notes = repair.parse_submission(json.dumps(raw).encode())
    nbformat.validate(nb)
    assert any("Removed metadata that the notebook format does not allow" in n for n in notes)
    assert [c.metadata.get("nbgrader") for c in nb.cells] == \
        [c.get("metadata", {}).get("nbgrader") for c in raw["cells"]]
