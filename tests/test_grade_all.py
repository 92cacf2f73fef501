"""The instructors' one command: a class grading run that never loses a student.

One run grades a zip of ex02_sigmoid submissions of every kind a class hands in (issue 9):
damaged notebooks that are repaired and graded, files and archive entries that cannot be
graded and are explained, and the archive's own quirks (a wrapping folder, nested folders,
``__MACOSX/``, ``.IPYNB``). A second run regrades two students and must leave nothing
stale. ex02_sigmoid: sigmoid (3 points), sigmoid_prime (3), relu (2), relu_prime (2).
"""

import codecs
import copy
import csv
import html
import re
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from course import ROOT, Course, cell_of, without
from grading import grade_all

A = "ex02_sigmoid"
FULL = {"test_sigmoid": 3.0, "test_sigmoid_prime": 3.0, "test_relu": 2.0, "test_relu_prime": 2.0}
WRONG_RELU = "def relu(z):\n    return np.abs(z)\n"
LIMIT_MB = 1  # --max-mb for the run: small, so the oversized entries stay cheap to build


def _strip_metadata(nb):
    """As a tool that keeps only its own cell metadata saves it."""
    for cell in nb.cells:
        cell.metadata = {"vscode": {"languageId": "python"}} if cell.cell_type == "code" else {}


def _foreign_cells(nb):
    ex01 = nbformat.read(ROOT / "exercises" / "ex01_forward_pass" / "ex01_forward_pass.ipynb",
                         as_version=4)
    for grade_id in ("dense_forward", "test_dense_forward"):
        pasted = copy.deepcopy(cell_of(ex01, grade_id))
        pasted["id"] = "pasted-" + grade_id.replace("_", "-")
        nb.cells.append(pasted)


def _rename(grade_id, new):
    def edit(nb):
        cell_of(nb, grade_id).metadata.nbgrader["grade_id"] = new
    return edit


def _extra_grade_cell(nb):
    extra = nbformat.v4.new_code_cell("assert True  # my own test")
    extra.metadata.nbgrader = dict(cell_of(nb, "test_relu").metadata.nbgrader,
                                   grade_id="my_extra_test", points=5)
    nb.cells.append(extra)


def _not_graded(nb):
    cell_of(nb, "test_relu").metadata.nbgrader["grade"] = False


def _tests_as_answers(nb):
    for cell in nb.cells:
        if cell.metadata.nbgrader.get("grade"):
            cell.metadata.nbgrader["solution"] = True


def _metadata_as_string(nb):
    for cell in nb.cells:
        cell.metadata["nbgrader"] = str(dict(cell.metadata["nbgrader"]))


def _no_cells(nb):
    nb.cells = []


def _answer_as_markdown(nb):
    cell = cell_of(nb, "relu")
    cell.cell_type = "markdown"
    del cell["outputs"], cell["execution_count"]


# student: (answers replacing the reference ones, edit, expected scores, words of the repair)
GRADED = {
    "reference": ({}, None, FULL, None),
    "relu-and-its-test-deleted": ({}, without("relu", "test_relu"),
                                  dict(FULL, test_relu=0.0), "Restored the answer cell `relu`"),
    "setup-deleted": ({}, without("setup"), FULL, "Restored the setup cell `setup`"),
    "metadata-stripped-by-a-tool": ({}, _strip_metadata, FULL, "by their content"),
    "cells-of-ex01-pasted": ({}, _foreign_cells, FULL, "Removed the grade cell `test_dense_forward`"),
    "grade-id-renamed": ({}, _rename("test_relu", "my_relu_test"), FULL, "renamed `my_relu_test`"),
    "extra-grade-cell": ({}, _extra_grade_cell, FULL, "Removed the grade cell `my_extra_test`"),
    "test-marked-not-graded": ({}, _not_graded, FULL, "marked as not graded"),
    "tests-turned-into-answers": ({}, _tests_as_answers, FULL, "marked as an answer cell"),
    "metadata-is-a-string": ({}, _metadata_as_string, FULL, "not a dictionary"),
    "answer-became-markdown": ({}, _answer_as_markdown, FULL, "back into a code cell"),
    "wrong-relu": ({"relu": WRONG_RELU}, None, dict(FULL, test_relu=0.0), None),
    "no-cells": ({}, _no_cells, dict.fromkeys(FULL, 0.0), "none of the exercise's cells"),
}
# Files that are read with a repair: bytes made from the reference submission.
ENCODED = {
    "with-bom": (lambda text: codecs.BOM_UTF8 + text.encode(), "byte-order mark"),
    "latin-1": (lambda text: text.replace("def relu(z):", "def relu(z):  # évalué", 1)
                .encode("latin-1"), "Latin-1"),
    # Valid JSON that spells a lone surrogate, which no UTF-8 file (the graded copy) can hold.
    "lone-surrogate": (lambda text: text.replace("def relu(z):", "def relu(z):  # \\udc80", 1)
                       .encode(), "lone surrogates"),
}
UNGRADED = {
    "empty-file": "not a notebook: the file is empty (0 bytes)",
    "invalid-json": "not a notebook: invalid JSON at line 3",
    "two-notebooks": "2 notebooks for one student",
    "escape": "unsafe path in the archive",
    "linked": "symbolic link",
    "too-big": f"over the {LIMIT_MB}.0 MB limit",
    "lying-header": "lying-header",
    # The JSON parser itself gives up on it (RecursionError): it once ended the whole run.
    "deeply-nested": "nested too deeply",
}


def _zip_symlink(z, name, target):
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16)
    z.writestr(info, target)


def _lie_about_size(path, name, size):
    """Patch the uncompressed size of one zip entry, in its local and central headers."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            if data[at + name_at: at + name_at + len(encoded)] == encoded:
                data[at + size_at: at + size_at + 4] = struct.pack("<I", size)
            start = at + 4
    path.write_bytes(bytes(data))


def _class_zip(course, path):
    """The class's archive, as `zip -r subs.zip submissions` makes it, with every case."""
    reference = nbformat.writes(course.filled(A))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("submissions/", "")
        for student, (answers, edit, _, _) in GRADED.items():
            chosen = dict(course.answers(A), **answers)
            z.writestr(f"submissions/{student}.ipynb",
                       nbformat.writes(course.filled(A, chosen, edit)))
        for student, (encode, _) in ENCODED.items():
            z.writestr(f"submissions/{student}.ipynb", encode(reference))
        nb3 = nbformat.convert(course.filled(A), 3)
        z.writestr("submissions/nbformat-3.ipynb", nbformat.writes(nb3, version=3))
        z.writestr("submissions/Upper-Case.IPYNB", reference)
        z.writestr("submissions/nested/work/week 2/ex02_sigmoid.ipynb", reference)
        z.writestr("submissions/nested/.ipynb_checkpoints/ex02_sigmoid-checkpoint.ipynb", "{}")
        z.writestr("__MACOSX/submissions/._reference.ipynb", b"\x00\x05\x16\x07")
        z.writestr("submissions/notes.txt", "not a notebook, not a student")
        z.writestr("submissions/empty-file.ipynb", "")
        z.writestr("submissions/invalid-json.ipynb", '{\n "cells": [\n  {oops}\n ]\n}\n')
        z.writestr("submissions/deeply-nested.ipynb",
                   '{"nbformat": 4, "cells": [' + "[" * 100_000 + "]" * 100_000 + "]}")
        z.writestr("submissions/two-notebooks/ex02_sigmoid.ipynb", reference)
        z.writestr("submissions/two-notebooks/ex02_sigmoid-Copy1.ipynb", reference)
        z.writestr("submissions/../../escape.ipynb", reference)
        _zip_symlink(z, "submissions/linked.ipynb", "/etc/passwd")
        z.writestr("submissions/too-big.ipynb", reference + " " * (2 * LIMIT_MB * 2**20))
        z.writestr("submissions/lying-header.ipynb", reference + " " * (2 * LIMIT_MB * 2**20))
    _lie_about_size(path, "submissions/lying-header.ipynb", 1000)
    return path


def _rows(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, {row["student"]: row for row in reader}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return Course(tmp_path_factory.mktemp("class"), [A])


@pytest.fixture(scope="module")
def run(course, tmp_path_factory):
    archive = _class_zip(course, tmp_path_factory.mktemp("zips") / "subs.zip")
    done = course.grade_all(A, archive, "--jobs", "2", "--max-mb", str(LIMIT_MB))
    columns, rows = _rows(course.path / f"grades-{A}.csv")
    return done, columns, rows


def test_the_run_reports_every_student_and_fails_when_some_are_ungraded(run):
    done, _, rows = run
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    everyone = set(GRADED) | set(ENCODED) | set(UNGRADED) | {
        "nbformat-3", "Upper-Case", "nested"}
    assert lines[0] == f"Grading {len(everyone)} submissions of {A} with 2 workers"
    progress = {line.split("] ", 1)[1].split(":")[0] for line in lines if line.startswith("[")}
    assert progress == everyone == set(rows)
    # Nothing of nbgrader's chatter reaches the console.
    for noise in ("checksum has changed", "Grading 1 submissions", "display_data_priority",
                  "Traceback", "WARNING", "Warning", "To connect another client"):
        assert noise not in done.stdout + done.stderr, noise


@pytest.mark.parametrize("student", GRADED)
def test_a_damaged_notebook_is_repaired_and_graded(run, student, course):
    _, _, rows = run
    row = rows[student]
    _, _, expected, repair = GRADED[student]
    assert row["status"] == "graded", row
    assert {k: float(row[k]) for k in expected} == expected
    assert float(row["total"]) == sum(expected.values())
    if repair:
        assert repair in row["repairs"], row["repairs"]
        feedback = (course.path / "feedback" / student / A / f"{A}.html").read_text()
        assert repair.split("`")[0] in feedback
    else:
        assert row["repairs"] == ""


@pytest.mark.parametrize("student", ENCODED)
def test_bytes_that_are_not_plain_utf8_are_read_and_said(run, student):
    row = run[2][student]
    assert row["status"] == "graded" and float(row["total"]) == 10, row
    assert ENCODED[student][1] in row["repairs"]


def test_nbformat_3_mixed_case_and_nested_folders_are_graded(run):
    rows = run[2]
    for student in ("nbformat-3", "Upper-Case", "nested"):
        assert rows[student]["status"] == "graded" and float(rows[student]["total"]) == 10
    assert "nbformat 3" in rows["nbformat-3"]["repairs"]
    assert "__MACOSX" not in rows and "._reference" not in rows and "submissions" not in rows


@pytest.mark.parametrize("student", UNGRADED)
def test_what_cannot_be_graded_is_explained_never_zero(run, student, course):
    done, _, rows = run
    row = rows[student]
    assert row["status"] == "ungraded"
    assert UNGRADED[student] in row["reason"], row["reason"]
    assert row["total"] == row["max"] == row["test_relu"] == ""
    assert f"{student}: UNGRADED: {row['reason']}" in done.stdout
    assert not (course.path / "feedback" / student).exists()


def test_nothing_escapes_the_course_folder(run, course):
    assert not (course.path.parent / "escape.ipynb").exists()
    assert not list(course.path.parent.parent.glob("escape.ipynb"))


def test_the_csv_has_its_own_name_and_the_student_first(run, course):
    done, columns, _ = run
    assert columns[:5] == ["student", "status", "reason", "total", "max"]
    assert str(course.path / f"grades-{A}.csv") in done.stdout
    assert not (course.path / "grades.csv").exists()  # nbgrader export's file stays its own


def test_feedback_lists_the_repairs_and_shows_no_hidden_tests(run, course):
    feedback = (course.path / "feedback" / "setup-deleted" / A / f"{A}.html").read_text()
    assert "Your notebook was repaired before grading" in feedback
    assert "BEGIN HIDDEN TESTS" not in feedback
    graded = course.autograded(A, "setup-deleted")
    assert not graded.cells[0].metadata.get("nbgrader")  # the note is no grade cell


@pytest.fixture(scope="module")
def rerun(run, course, tmp_path_factory):
    """The same class, two students resubmit: one a worse notebook, one a broken file."""
    folder = tmp_path_factory.mktemp("resubmitted")
    answers = dict(course.answers(A), relu=WRONG_RELU)
    nbformat.write(course.filled(A, answers), folder / "reference.ipynb")
    (folder / "setup-deleted.ipynb").write_text("{ this is not JSON")
    done = course.grade_all(A, folder, "--jobs", "2", "--csv", "regrade.csv")
    return done, _rows(course.path / "regrade.csv")[1]


def test_regrading_replaces_the_grade_and_the_feedback(rerun, course):
    done, rows = rerun
    assert float(rows["reference"]["total"]) == 8
    assert course.scores(A, "reference")["test_relu"] == 0
    feedback = (course.path / "feedback" / "reference" / A / f"{A}.html").read_text()
    assert "np.abs(z)" in html.unescape(re.sub(r"<[^>]+>", "", feedback))


def test_a_resubmission_that_cannot_be_graded_leaves_nothing_stale(rerun, course):
    from nbgrader.api import Gradebook, MissingEntry

    done, rows = rerun
    assert done.returncode == 1
    assert rows["setup-deleted"]["status"] == "ungraded"
    assert rows["setup-deleted"]["total"] == ""
    assert "invalid JSON at line 1" in rows["setup-deleted"]["reason"]
    assert not (course.path / "feedback" / "setup-deleted").joinpath(A).exists()
    assert not (course.path / "autograded" / "setup-deleted").joinpath(A).exists()
    submitted = course.path / "submitted" / "setup-deleted" / A / f"{A}.ipynb"
    assert submitted.read_text() == "{ this is not JSON"
    with Gradebook(f"sqlite:///{course.path / 'gradebook.db'}") as gb:
        with pytest.raises(MissingEntry):
            gb.find_submission(A, "setup-deleted")


def test_nbgrader_failures_go_to_a_log_file_whose_path_is_printed(tmp_path):
    """A notebook that nbgrader itself cannot grade: here, a release that is missing."""
    course = Course(tmp_path / "course", [A])
    (course.path / "exercises" / A / f"{A}.ipynb").unlink()
    folder = tmp_path / "subs"
    folder.mkdir()
    nbformat.write(nbformat.read(ROOT / "exercises" / A / f"{A}.ipynb", as_version=4),
                   folder / "alice.ipynb")
    done = course.grade_all(A, folder, "--jobs", "1")
    assert done.returncode == 1
    log = course.path / f"grades-{A}.log"
    assert f"nbgrader's tracebacks: {log}" in done.stdout
    text = log.read_text()
    assert "Traceback" in text and "generate_assignment" in text
    row = _rows(course.path / f"grades-{A}.csv")[1]["alice"]
    assert row["status"] == "ungraded" and "cannot repair submissions" in row["reason"]


def test_grade_all_refuses_an_unknown_assignment(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    (tmp_path / "subs").mkdir()
    done = subprocess.run([sys.executable, "-m", "grading.grade_all", "ex99_nothing", "subs"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "unknown assignment 'ex99_nothing'" in done.stderr


def test_grade_all_explains_an_empty_folder(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions" / A, tmp_path / "solutions" / A)
    (tmp_path / "subs").mkdir()
    done = subprocess.run([sys.executable, "-m", "grading.grade_all", A, "subs"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "no .ipynb submissions found" in done.stderr
    assert "Traceback" not in done.stderr


def test_each_run_gives_its_workers_its_own_environment(monkeypatch, tmp_path):
    """Workers fork from a forkserver that keeps the environment it was started with; the
    course root and --no-sandbox of a later run in the same process must still reach them,
    and so must its TMPDIR, where the sandboxes' folders go (see test_a_worker_that_dies...)."""
    for value in ("first", "second"):
        monkeypatch.setenv("BACKPROP_TEST_RUN", value)
        tmpdir = tmp_path / value
        tmpdir.mkdir()
        with ProcessPoolExecutor(1, mp_context=grade_all._pool_context(),
                                 initializer=grade_all._start_worker,
                                 initargs=(dict(os.environ, TMPDIR=str(tmpdir)),)) as pool:
            assert pool.submit(os.getenv, "BACKPROP_TEST_RUN").result() == value
            assert pool.submit(tempfile.gettempdir).result() == str(tmpdir)


def test_a_fifo_or_other_special_file_is_explained_not_read(tmp_path):
    """Reading a FIFO named like a notebook (an unpacked tar can hold one) blocks forever."""
    import threading

    folder = tmp_path / "subs"
    folder.mkdir()
    shutil.copy(ROOT / "exercises" / A / f"{A}.ipynb", folder / "alice.ipynb")
    os.mkfifo(folder / "mallory.ipynb")
    root = tmp_path / "course"
    root.mkdir()
    found = {}
    thread = threading.Thread(target=lambda: found.update(grade_all.collect(folder, A, root)),
                              daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "collect blocked on the FIFO"
    assert found["alice"].problem is None
    assert "not a regular file" in found["mallory"].problem


# A worker that dies. Each notebook's relu cell waits in the kernel (not in the grader's
# evaluator, which has no get_ipython): alice's for 10 s, so that she is being graded when
# bob's worker is killed; bob's runs `sleep 600.25`, by which the test finds his worker.
KILLED_MARKER = ["sleep", "600.25"]


def _kernel_first(code):
    return f'if "get_ipython" in globals():  # the kernel\n    {code}\n'


def _processes():
    """{pid: (ppid, state, start time, argv)} of every process, from /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            argv = Path(entry.path, "cmdline").read_bytes().split(b"\0")
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry.name)] = (int(fields[1]), fields[0], fields[19],
                                  [a.decode(errors="replace") for a in argv if a])
    return table


def _descendants(table, pid):
    children = {}
    for child, (ppid, *_) in table.items():
        children.setdefault(ppid, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(table, pid, start):
    return pid in table and table[pid][2] == start and table[pid][1] != "Z"


def _worker_of(table, pid, run):
    """The grading worker above process ``pid``: a child of the forkserver, which is a
    child of the run's process."""
    while pid in table and table[pid][0] in table:
        if table[table[pid][0]][0] == run:
            return pid
        pid = table[pid][0]
    return None


@pytest.fixture
def short_tmpdir():
    """A TMPDIR of a short path: the kernels' ipc sockets are made below it, and a socket's
    path has at most 107 bytes (below tmp_path, they would not fit)."""
    folder = Path(tempfile.mkdtemp(prefix="bp-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_worker_that_dies_leaves_its_student_ungraded_and_the_run_ends(tmp_path, short_tmpdir):
    """A worker killed (by the out-of-memory killer, say) while grading bob: the run ends,
    alice (being graded meanwhile) and carl (not started) are graded again and get their
    points, bob, whose second attempt is killed too, is ungraded with the reason, and the
    run leaves no process and no sandbox folder behind."""
    course = Course(tmp_path / "course", [A])
    subs, scratch = tmp_path / "subs", short_tmpdir
    subs.mkdir()
    reference = course.answers(A)
    waits = {"alice": "import time; time.sleep(10)",
             "bob": f"import subprocess; subprocess.run({KILLED_MARKER!r})"}
    for student in ("alice", "bob", "carl"):
        relu = _kernel_first(waits[student]) if student in waits else ""
        nbformat.write(course.filled(A, dict(reference, relu=relu + reference["relu"])),
                       subs / f"{student}.ipynb")
    bindir = str(Path(sys.executable).parent)
    env = dict(os.environ, TMPDIR=str(scratch),
               PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    with open(tmp_path / "stdout", "w") as stdout:
        proc = subprocess.Popen([sys.executable, "-m", "grading.grade_all", A, str(subs),
                                 "--jobs", "2"], cwd=course.path, env=env, stdout=stdout,
                                stderr=subprocess.STDOUT, start_new_session=True)
    seen, killed = set(), []  # every process of the run: (pid, start time); killed workers
    started = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() - started < 300:
            table = _processes()
            for pid in _descendants(table, proc.pid):
                seen.add((pid, table[pid][2]))
                if table[pid][3] != KILLED_MARKER:
                    continue
                worker = _worker_of(table, pid, proc.pid)
                if worker is not None and worker not in killed:
                    os.kill(worker, 9)
                    killed.append(worker)
            time.sleep(0.2)
        seconds = time.monotonic() - started
        assert proc.poll() is not None, "the run never ended"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)  # grade_all, its forkserver and workers
        proc.wait()
        for _ in range(50):  # the forkserver ends when it sees grade_all gone
            table = _processes()
            left = {pid: table[pid][3] for pid, start in seen if _alive(table, pid, start)}
            if not left:
                break
            time.sleep(0.2)
        for pid in left:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
    output = (tmp_path / "stdout").read_text()
    assert len(killed) == 2, output  # bob's first attempt, and the one of his own
    assert proc.returncode == 1, output
    assert left == {}, f"processes of the run left behind: {left}"
    assert list(scratch.iterdir()) == [], "a sandbox's folder was left behind"
    assert "grading the 3 unfinished submissions again, one at a time" in output, output
    assert sorted(line.split("] ")[1].split(":")[0] for line in output.splitlines()
                  if line.startswith("[")) == ["alice", "bob", "carl"], output
    assert "Traceback" not in output, output
    rows = _rows(course.path / f"grades-{A}.csv")[1]
    for student in ("alice", "carl"):
        assert rows[student]["status"] == "graded" and float(rows[student]["total"]) == 10
    assert rows["bob"]["status"] == "ungraded" and rows["bob"]["total"] == ""
    assert "the grading worker died" in rows["bob"]["reason"]
    assert f"bob: UNGRADED: {rows['bob']['reason']}" in output
    assert not (course.path / "feedback" / "bob" / A).exists()
    print(f"the run took {seconds:.0f} s")
