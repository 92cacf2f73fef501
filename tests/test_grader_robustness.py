"""Broken, cheating and harmful notebooks, graded through the real pipeline (nbgrader autograde
with the sandbox), with the grades their honest code deserves.

All submissions are of ex02_sigmoid: sigmoid (3 points), sigmoid_prime (3), relu (2),
relu_prime (2). Each scenario changes a submission in one way; the table says what each test
cell must score. The cheating scenarios implement nothing (every function is the release's
`raise NotImplementedError()`, or wrong) and must score exactly that: 0. The harmful ones try
to damage the course, the grader's installation, the home folder and other students, and to
leave a process behind; the tests check that nothing changed. The floods send the grader far
more than it may keep, from the kernel and from the evaluator; one run of them measures its
peak memory.
"""

import hashlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course import ROOT, Course, errors

A = "ex02_sigmoid"
FULL = {"test_sigmoid": 3, "test_sigmoid_prime": 3, "test_relu": 2, "test_relu_prime": 2}
ZERO = dict.fromkeys(FULL, 0)
WRONG_RELU = "def relu(z):\n    return np.abs(z)\n"
MARKER = "backprop-harm-marker-7f3a"
HOME = Path.home()
SITE = Path(next(p for p in sys.path if p.endswith("site-packages")))
PROCESS_MARKER = "4242.4242"  # `sleep 4242.4242`: a process that must not outlive grading


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
        twin = nbformat.from_dict(dict(_cell(nb, grade_id)))
        twin["id"] = "copied-by-student"
        nb.cells.append(twin)
    return edit


def _edit_test(grade_id, source):
    def edit(nb):
        _cell(nb, grade_id).source = source
    return edit


def _insert_before(grade_id, *sources):
    def edit(nb):
        at = _index(nb, grade_id)
        nb.cells[at:at] = [nbformat.v4.new_code_cell(source) for source in sources]
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


def _unanswered(grade_id):
    return f"def {grade_id}(z):\n    raise NotImplementedError()\n"


FULL_NAMES = [grade_id[len("test_"):] for grade_id in FULL]
NOTHING = {name: _unanswered(name) for name in FULL_NAMES}


def _cheat(first_cell_prefix="", **others):
    """No implementation at all, with an attack written into the answer cells."""
    answers = dict(NOTHING)
    answers["sigmoid"] = first_cell_prefix + answers["sigmoid"]
    answers.update(others)
    return answers


# Harm: what a submission tries to damage, with the paths it would need (absolute, as an
# attacker would find them), filled in once the course folder of the test exists.
HARM = """
import os, shutil, subprocess
for action in (
    lambda: shutil.rmtree({victim!r}),
    lambda: open({other_notebook!r}, "w").write("{{}}"),
    lambda: open({solution!r}, "a").write("{marker}"),
    lambda: open({repo_solution!r}, "a").write("{marker}"),
    lambda: open({core!r}, "a").write("# {marker}"),
    lambda: os.makedirs({startup!r}, exist_ok=True),
    lambda: open(os.path.join({startup!r}, "00-{marker}.py"), "w").write("x = 1"),
    lambda: open({pth!r}, "w").write("import os"),
    lambda: open({csv!r}, "w").write("{marker}"),
    lambda: subprocess.Popen(["sleep", "{process}"], start_new_session=True),
):
    try:
        action()
    except Exception:
        pass
if os.fork() == 0:  # a double fork that would rewrite the grades after the run
    os.setsid()
    if os.fork() == 0:
        import time
        time.sleep(4)
        try:
            open({csv!r}, "w").write("{marker}")
        finally:
            os._exit(0)
    os._exit(0)
"""


def _harm(course):
    submitted = course.path / "submitted"
    return HARM.format(
        victim=str(submitted / "victim"),
        other_notebook=str(submitted / "other" / A / f"{A}.ipynb"),
        solution=str(course.path / "solutions" / A / f"{A}.ipynb"),
        repo_solution=str(ROOT / "solutions" / A / f"{A}.ipynb"),
        core=str(ROOT / "grading" / "core.py"),
        startup=str(HOME / ".ipython" / "profile_default" / "startup"),
        pth=str(SITE / f"{MARKER}.pth"),
        csv=str(course.path / "grades.csv"),
        marker=MARKER, process=PROCESS_MARKER)


# The evaluator's own channel, found by the student's code: a forged call of the lent sigmoid
# with a large input, whose reply is never read; and a line of JSON nested too deep to parse.
FORGED_CALL = """
def sigmoid_prime(z):
    import gc, sys, time
    channel = [o for o in gc.get_objects() if type(o).__name__ == "Channel"][0]
    wire = sys.modules["wire"]
    k = int(sigmoid.__name__.rsplit("_", 1)[1])
    channel._out.write(wire.dumps({"op": "call", "fn": k, "kwargs": [],
                                   "args": wire.encode([np.zeros(300_000)])}))
    time.sleep(10**6)
"""
DEEP_JSON = """
def relu(z):
    import gc
    channel = [o for o in gc.get_objects() if type(o).__name__ == "Channel"][0]
    channel._out.write(b"[" * 200_000 + b"]" * 200_000 + b"\\n")
    raise NotImplementedError()
"""

# scenario: (answers replacing the reference ones, edit of the notebook, expected scores)
SCENARIOS = {
    # Writes to the kernel's own file descriptors 1 and 2: under plain `nbgrader autograde`
    # they were the instructor's terminal (escape sequences, a forged progress line).
    "writes-to-the-terminal": (
        {"relu": "import os\nos.write(1, b'INJECTED-OUT\\n')\n"
                 "os.write(2, b'\\x1b]0;INJECTED-ERR\\x07[1/1] mallory: 10 / 10 points\\n')\n"
                 + _reference_answer("relu")}, None, FULL),
    # Broken notebooks
    "answer-cell-raises": (
        {"sigmoid": "1 / 0\n" + _reference_answer("sigmoid")}, None,
        dict(FULL, test_sigmoid=0)),
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
    "returns-a-list": (
        {"relu": "def relu(z):\n    return np.maximum(z, 0).tolist()\n"}, None,
        dict(FULL, test_relu=0)),
    # Attacks on the evaluator's channel and on the grader's memory
    "forges-a-call-and-never-reads-the-reply": (
        {"sigmoid_prime": FORGED_CALL}, None, dict(FULL, test_sigmoid_prime=0)),
    "writes-deeply-nested-json-to-the-channel": (
        {"relu": DEEP_JSON}, None, dict(FULL, test_relu=0)),
    "displays-hundreds-of-megabytes-of-images": (
        {"relu": "from IPython.display import display\n"
                 "_blob = 'A' * (8 * 2**20)\n"
                 "for _i in range(10):\n    display({'image/png': _blob}, raw=True)\n"
                 "del _blob\n" + _reference_answer("relu")}, None, FULL),
    # Cheating: nothing implemented, and an attack on the checks
    "ipython-input-transformer": (
        _cheat("get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"),
        None, ZERO),
    "imports-the-reference": (
        _cheat("from grading import reference\n", sigmoid=(
            "from grading import reference\n"
            "sigmoid = reference.function('ex02_sigmoid', 'sigmoid')\n")),
        None, ZERO),
    "reads-the-solution-from-disk": (
        _cheat(sigmoid=(
            "import json\n"
            f"for path in [{str(ROOT / 'solutions' / A / (A + '.ipynb'))!r}, "
            f"'solutions/{A}/{A}.ipynb']:\n"
            "    try:\n"
            "        cells = json.load(open(path))['cells']\n"
            "        exec(''.join(cells[3]['source']))\n"
            "    except OSError:\n"
            "        pass\n")),
        None, ZERO),
    "reads-another-copy-of-the-course": (
        _cheat(sigmoid=(
            "import glob, json\n"
            f"for path in glob.glob({str(ROOT.parent / '*' / 'solutions' / A / (A + '.ipynb'))!r}):\n"
            "    exec(''.join(json.load(open(path))['cells'][3]['source']))\n")),
        None, ZERO),
    "replaces-grading": (
        _cheat("import grading, grading.core\ngrading.check = lambda *a, **k: None\n"
               "grading.core.judge = lambda *a, **k: (True, 'ok', [])\n"),
        None, ZERO),
    "displays-a-number-in-the-test-cell": (
        _cheat(**{name: f"import sys\ndef {name}(z):\n    sys.displayhook(3)\n    return z\n"
                  for name in FULL_NAMES}),
        None, ZERO),
    "patches-numpy-during-the-call": (
        _cheat(**{name: (f"def {name}(z):\n    np.allclose = lambda *a, **k: True\n"
                         "    np.array_equal = lambda *a, **k: True\n    return z\n")
                  for name in FULL_NAMES}),
        None, ZERO),
    "thread-keeps-patching": (
        _cheat("import threading\n"
               "def _patch():\n"
               "    while True:\n"
               "        np.allclose = lambda *a, **k: True\n"
               "        np.isnan = lambda *a, **k: np.zeros(1, bool)\n"
               "threading.Thread(target=_patch, daemon=True).start()\n",
               relu="def relu(z):\n    return np.abs(z)\n"),
        None, ZERO),
    "array-subclass-lies-about-its-shape": (
        _cheat(**{name: ("class Liar(np.ndarray):\n"
                         "    shape = property(lambda self: self._shape)\n"
                         f"def {name}(z):\n"
                         "    out = np.zeros(0).view(Liar)\n"
                         "    out._shape = np.shape(z)\n"
                         "    return out\n") for name in FULL_NAMES}),
        None, ZERO),
}


# What a notebook sends besides its outputs must not fill the grader's memory either. Each
# flood below would keep about 200 MB in the grader (graded with a lowered output cap of 1 MB
# per cell): display updates, widget (comm) state and the errors of execute replies from the
# kernel (in cells only the kernel runs), and values from the evaluator, sent back by functions
# or passed to the grader's lent sigmoid. Honest code keeps its points.
KERNEL_ONLY = 'if "get_ipython" in globals():\n'
BIG = "chr(65 + _i % 26) * (5 * 2**20)"  # 5 MB, a new string each time
FLOODS = {
    "floods-display-updates": (
        {"relu": KERNEL_ONLY + "    from IPython.display import display, update_display\n"
                 "    for _i in range(40):\n"
                 "        display({'text/plain': 'x'}, raw=True, display_id=f'd{_i}')\n"
                 "    for _i in range(40):\n"
                 f"        update_display({{'text/plain': {BIG}}}, raw=True, display_id=f'd{{_i}}')\n"
                 + _reference_answer("relu")}, None, FULL),
    "floods-widget-state": (
        {"relu": KERNEL_ONLY + "    import ipywidgets\n    from ipykernel.comm import Comm\n"
                 "    for _i in range(40):\n"
                 f"        Comm(target_name='nothing', data={{'state': {{'blob': {BIG}}}}})\n"
                 "    _out = ipywidgets.Output()\n    display(_out)\n    with _out:\n"
                 "        print('captured by an Output widget')\n"
                 + _reference_answer("relu")}, None, FULL),
    "floods-error-replies": (
        {}, _insert_before("relu", *[KERNEL_ONLY + f"    _i = {i}\n    raise ValueError({BIG})\n"
                                     for i in range(20)]), FULL),
    # Many cells, each under its own budget (1 MB here): the notebook's budget (4 MB here).
    "floods-many-cells": (
        {}, _insert_before("relu", *[KERNEL_ONLY + "    print('q' * 900_000)\n"
                                     for _ in range(12)]), FULL),
    # Many empty outputs: 28 characters of content each, but 8.5 kB kept each.
    "floods-tiny-outputs": (
        {"relu": KERNEL_ONLY + "    import time\n"
                 "    _pub, _end = get_ipython().display_pub, time.monotonic() + 4\n"
                 "    while time.monotonic() < _end:\n        _pub.publish(data={}, metadata={})\n"
                 + _reference_answer("relu")}, None, FULL),
    # The stdin channel, which nothing reads: ZeroMQ queued it all in the grader.
    "floods-the-stdin-channel": (
        {"relu": KERNEL_ONLY + "    _k = get_ipython().kernel\n"
                 "    _id = _k._parent_ident['shell']\n"
                 "    _id = list(_id) if isinstance(_id, (list, tuple)) else [_id]\n"
                 "    _blob = b'x' * (50 * 2**20)\n"
                 "    for _i in range(10):\n"
                 "        _k.stdin_socket.send_multipart(_id + [_blob], copy=False)\n"
                 "    import time\n    time.sleep(5)\n    del _blob\n"
                 + _reference_answer("relu")}, None, FULL),
    "floods-the-evaluator": (
        {name: f"_big = np.ones(2**21)\ndef {name}(z):\n    return _big\n"
         for name in ("sigmoid", "relu")}
        | {"sigmoid_prime": "def sigmoid_prime(z):\n    for _ in range(400):\n"
                            "        sigmoid(np.zeros(9_990))\n"
                            "    return sigmoid(z) * (1 - sigmoid(z))\n"},
        None, dict(FULL, test_sigmoid=0, test_sigmoid_prime=0, test_relu=0)),
}
PEAK = ("import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:])\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n"
        "sys.exit(done.returncode)\n")


def _fingerprint(folder):
    """{relative path: sha256} of every file below a folder."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def _processes_with(marker):
    done = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True)
    return [line for line in done.stdout.splitlines() if marker in line]


@pytest.fixture(scope="module")
def sibling():
    """Another copy of the course's solutions beside the repository, as a teaching assistant's
    clone or last year's copy would be: the sandbox must not show it."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="bp-sibling-", dir=ROOT.parent))
    shutil.copytree(ROOT / "solutions" / A, folder / "solutions" / A)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, sibling):
    course = Course(tmp_path_factory.mktemp("robustness"), [A])
    for student, (changes, edit, _) in SCENARIOS.items():
        answers = {g: _reference_answer(g) for g in FULL_NAMES}
        answers.update(changes)
        course.submit(A, student, answers=answers, edit=edit)
    # The harmful submission, its victims, and a fingerprint of all they could damage.
    course.submit(A, "harmful", answers=_cheat(_harm(course)))
    course.submit(A, "victim")
    course.submit(A, "other")
    course.fingerprints = {
        "solutions": _fingerprint(course.path / "solutions"),
        "repository grading/ and solutions/": {**_fingerprint(ROOT / "grading"),
                                              **_fingerprint(ROOT / "solutions")},
        "victims' submissions": {**_fingerprint(course.path / "submitted" / "victim"),
                                 **_fingerprint(course.path / "submitted" / "other")},
    }
    # The sandboxes' scratch folders go here, to check that none is left behind.
    course.scratch = tmp_path_factory.mktemp("scratch")
    # A short per-cell limit keeps the infinite loops cheap; the course's own limit (30 s)
    # is checked in test_the_course_sets_its_limits.
    course.autograded_output = course.autograde(
        A, "--Execute.timeout=8", "--HiddenChecks.step_timeout=8",
        env={"TMPDIR": str(course.scratch)})
    course.feedback(A)
    time.sleep(5)  # longer than the double-forked writer would wait
    return course


@pytest.mark.parametrize("student", SCENARIOS)
def test_scenario_gets_exactly_what_its_honest_code_deserves(graded, student):
    scores = graded.scores(A, student)
    expected = SCENARIOS[student][2]
    assert {k: scores[k] for k in expected} == expected
    assert scores["total"] == sum(expected.values())


def test_a_harmful_notebook_scores_nothing_and_damages_nothing(graded):
    assert graded.scores(A, "harmful")["total"] == 0
    assert graded.scores(A, "victim")["total"] == 10
    assert graded.scores(A, "other")["total"] == 10
    now = {
        "solutions": _fingerprint(graded.path / "solutions"),
        "repository grading/ and solutions/": {**_fingerprint(ROOT / "grading"),
                                              **_fingerprint(ROOT / "solutions")},
        "victims' submissions": {**_fingerprint(graded.path / "submitted" / "victim"),
                                 **_fingerprint(graded.path / "submitted" / "other")},
    }
    for what, before in graded.fingerprints.items():
        assert now[what] == before, f"{what} changed"
    startup = HOME / ".ipython" / "profile_default" / "startup"
    assert not startup.exists() or not [p for p in startup.iterdir() if MARKER in p.name], \
        "a startup file was written into the home folder's IPython profile"
    assert not (SITE / f"{MARKER}.pth").exists(), "a .pth file was written into the virtualenv"
    assert not (graded.path / "grades.csv").exists() or \
        MARKER not in (graded.path / "grades.csv").read_text()


def test_a_kernel_cannot_write_to_the_instructors_terminal(graded):
    output = graded.autograded_output.stdout + graded.autograded_output.stderr
    assert "INJECTED" not in output


def test_no_process_outlives_grading_and_no_scratch_folder_is_left(graded):
    assert _processes_with(PROCESS_MARKER) == []
    assert not [p for p in _processes_with("bwrap") if "bp-sandbox-" in p]
    assert list(graded.scratch.iterdir()) == []


@pytest.fixture(scope="module")
def flooded(tmp_path_factory):
    """The FLOODS graded in one nbgrader run, with the peak memory (MB) of its processes."""
    course = Course(tmp_path_factory.mktemp("floods"), [A])
    for student, (changes, edit, _) in FLOODS.items():
        course.submit(A, student, answers={**{g: _reference_answer(g) for g in FULL_NAMES},
                                           **changes}, edit=edit)
    bindir = str(Path(sys.executable).parent)
    done = subprocess.run(
        [sys.executable, "-c", PEAK, sys.executable, "-m", "nbgrader", "autograde", A, "--create",
         "--force", "--Execute.timeout=8", "--HiddenChecks.step_timeout=8",
         "--SandboxedExecute.max_cell_output=1000000",
         "--SandboxedExecute.max_notebook_output=4000000"],
        cwd=course.path, capture_output=True, text=True, timeout=900,
        env=dict(os.environ, PYTHONWARNINGS="ignore",
                 PATH=bindir + os.pathsep + os.environ.get("PATH", "")))
    assert done.returncode == 0, done.stderr[-3000:]
    course.peak = int(done.stdout.split()[-1])
    return course


def test_what_a_notebook_sends_cannot_fill_the_graders_memory(flooded):
    # About 140 MB for an ordinary notebook, and under 200 MB with the floods; 350 MB to 1.3 GB
    # when each flood is kept.
    assert flooded.peak < 275, f"grading peaked at {flooded.peak} MB"


@pytest.mark.parametrize("student", FLOODS)
def test_a_flood_is_dropped_and_honest_code_keeps_its_points(flooded, student):
    scores = flooded.scores(A, student)
    expected = FLOODS[student][2]
    assert {k: scores[k] for k in expected} == expected
    nb = flooded.autograded(A, student)
    assert not re.search(r"([A-Z])\1{999}", nbformat.writes(nb)), "flood data was kept"
    assert "widgets" not in nb.metadata
    dropped = "further output of this cell dropped"
    if student == "floods-display-updates":
        assert dropped in _cell(nb, "relu").outputs[-1].text
    if student == "floods-widget-state":
        assert "captured by an Output widget" in nbformat.writes(_cell(nb, "relu"))
    if student == "floods-tiny-outputs":
        assert len(_cell(nb, "relu").outputs) <= 200  # a 1 MB budget: 125 outputs and a note
    if student == "floods-many-cells":
        assert "further output of this notebook dropped" in nbformat.writes(nb)
        assert len(nbformat.writes(nb)) < 6_000_000
    if student == "floods-error-replies":
        flooded_cells = nb.cells[_index(nb, "relu") - 20:_index(nb, "relu")]
        for cell in flooded_cells:
            assert [o.output_type for o in cell.outputs] == ["stream", "error"]
            assert dropped in cell.outputs[0].text and cell.outputs[1].ename == "ValueError"
    if student == "floods-the-evaluator":
        too_much = "returned far more data than its result can hold"
        assert f"{too_much} (more than 8 MB in one case)" in errors(nb, "test_sigmoid")[-1]
        assert f"{too_much} (more than 8 MB in one case)" in errors(nb, "test_relu")[-1]
        assert f"{too_much} (more than 32 MB over all its cases)" in \
            errors(nb, "test_sigmoid_prime")[-1]


def test_the_kernel_output_of_a_cheat_is_shown_but_not_scored(graded):
    nb = graded.autograded(A, "displays-a-number-in-the-test-cell")
    kinds = [o.output_type for o in _cell(nb, "test_sigmoid").outputs]
    assert "execute_result" not in kinds and kinds[-1] == "error"


def test_huge_output_is_capped(graded):
    path = graded.path / "autograded" / "prints-megabytes" / A / f"{A}.ipynb"
    assert path.stat().st_size < 300_000
    images = graded.path / "autograded" / "displays-hundreds-of-megabytes-of-images" / A / f"{A}.ipynb"
    assert images.stat().st_size < 6_000_000
    feedback = graded.path / "feedback" / "prints-megabytes" / A / f"{A}.html"
    assert feedback.stat().st_size < 2_000_000


def test_a_stalled_cell_is_named_in_the_feedback(graded):
    feedback = graded.feedback_html(A, "cell-loops-forever")
    assert "the 8 s limit" in feedback


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
    steps = list(config.Autograde.autograde_preprocessors)
    assert steps.index("grading.nbgrader_hooks.SandboxedExecute") < \
        steps.index("grading.nbgrader_hooks.HiddenChecks") < \
        steps.index("nbgrader.preprocessors.SaveAutoGrades")
    assert "nbgrader.preprocessors.Execute" not in steps


def test_grading_refuses_without_bubblewrap_unless_told(tmp_path):
    """Where bwrap is missing, the sandbox refuses with a reason, or warns once when allowed."""
    env = dict(os.environ, PATH=str(tmp_path))  # no bwrap on this PATH
    code = "from grading import sandbox\nprint(sandbox.enabled())"
    refused = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "apt-get install bubblewrap" in refused.stderr
    allowed = subprocess.run([sys.executable, "-c", code + "\nprint(sandbox.enabled())"],
                             env=dict(env, BACKPROP_GRADING_NO_SANDBOX="1"),
                             capture_output=True, text=True)
    assert allowed.stdout.split() == ["False", "False"]
    assert allowed.stderr.count("WITHOUT a sandbox") == 1


# A notebook that makes the evaluator send values no float can hold (an integer beyond float
# range, where an honest evaluator sends floats) made the trusted side raise OverflowError
# and the whole notebook ungraded. It costs the tampered function alone.
HUGE_VALUES = '''
import sys as _sys
_m = _sys.modules["__main__"]
if hasattr(_m, "call") and hasattr(_m, "Channel"):  # in the grader's evaluator only
    _call = _m.call
    def _huge(func, args, kwargs, strict_fp):
        result = _call(func, args, kwargs, strict_fp)
        if getattr(func, "__name__", "") == "relu":
            result["seconds"] = 10 ** 400
        if getattr(func, "__name__", "") == "relu_prime":
            result["value"] = 10 ** 400
        return result
    _m.call = _huge
'''


def test_values_too_large_for_a_float_fail_only_their_function():
    from grading import core, reference

    sources = dict(reference.answer_sources(A))
    sources["relu"] = HUGE_VALUES + sources["relu"]
    verdicts = core.judge_notebook(A, list(sources.values()))
    assert verdicts["sigmoid"][0] and verdicts["sigmoid_prime"][0], verdicts
    assert not verdicts["relu"][0] and "not a value" in verdicts["relu"][1], verdicts["relu"]
    assert not verdicts["relu_prime"][0], verdicts["relu_prime"]


def test_the_kernel_has_a_budget_for_the_whole_notebook(tmp_path):
    """Cells each just under the cell limit once held a worker for as long as a notebook
    had cells (a million fit in the size limit): the kernel stops at the notebook's budget,
    and the functions are still graded by the evaluator."""
    def sleepy(nb):
        for _ in range(6):  # 6 x 3 s of sleep in the kernel only, against a 7 s budget
            nb.cells.insert(-1, nbformat.v4.new_code_cell(
                'if "get_ipython" in globals():\n    import time\n    time.sleep(3)\n'))

    course = Course(tmp_path, [A])
    course.submit(A, "sleepy", answers={g: _reference_answer(g) for g in FULL_NAMES},
                  edit=sleepy)
    start = time.monotonic()
    course.autograde(A, "--Execute.timeout=4", "--SandboxedExecute.notebook_timeout=7")
    assert time.monotonic() - start < 60
    notes = [o.get("text", "") for cell in course.autograded(A, "sleepy").cells
             if cell.cell_type == "code" for o in cell.outputs]
    assert any("used up the 7 s that the grader gives a whole notebook" in n for n in notes)
    scores = course.scores(A, "sleepy")
    assert {k: scores[k] for k in FULL} == FULL


LEAK = '''
_seen = []
def sigmoid(z):
    _seen.append(z)
    raise NotImplementedError()
'''
LEAK_PRIME = '''
def sigmoid_prime(z):
    import base64
    outs = [np.asarray(sigmoid(x), dtype=float).ravel() for x in _seen]  # the lent reference
    raise ValueError("LEAK[" + base64.b64encode(np.concatenate(outs).tobytes()).decode() + "]")
'''


def test_an_error_message_cannot_carry_the_lent_references_answers_out():
    """sigmoid_prime is lent the reference sigmoid; with sigmoid's hidden inputs (recorded by
    the student's own sigmoid) it computes every answer and raised them in one message, which
    the feedback repeated whole: a resubmission could replay them for full marks."""
    from grading import core, reference

    sources = dict(reference.answer_sources(A), sigmoid=LEAK, sigmoid_prime=LEAK_PRIME)
    message = core.judge_notebook(A, list(sources.values()), ["sigmoid", "sigmoid_prime"])[
        "sigmoid_prime"][1]
    assert "LEAK[" in message  # the student does see their own error...
    leaked = message.split("LEAK[", 1)[1]
    assert len(leaked.split(" ... (cut", 1)[0]) < core.SHOWN  # ...but not the answers


def test_a_floating_point_error_cannot_carry_the_lent_references_answers_out():
    from grading import core, reference

    fp = LEAK_PRIME.replace("raise ValueError(", "raise FloatingPointError(")
    sources = dict(reference.answer_sources(A), sigmoid=LEAK, sigmoid_prime=fp)
    message = core.judge_notebook(A, list(sources.values()), ["sigmoid", "sigmoid_prime"])[
        "sigmoid_prime"][1]
    leaked = message.split("LEAK[", 1)[1]
    assert len(leaked.split(" ... (cut", 1)[0]) < core.SHOWN


def test_a_returned_type_name_is_cut():
    import numpy as np

    from grading.specs import ex12_autograd as spec

    case = next(c for c in spec.topological_sort_cases(np.random.default_rng(4)) if c.judge)
    assert len(case.judge("Q" * 2000)) < 400
