"""The reference implementations, read from the one place they live: ``solutions/`` (TRUSTED SIDE).

Each assignment's master notebook ``solutions/<assignment>/<assignment>.ipynb`` holds the
reference answer of every graded function between ``### BEGIN SOLUTION`` and
``### END SOLUTION``. The hidden checks and our own tests both load them from there, so
there is no second copy to drift out of date. They run only in the grader's own process,
which never runs student code, and never reach a sandbox.
"""

import functools
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"


def notebook_path(assignment):
    """Path of an assignment's master notebook."""
    return SOLUTIONS / assignment / f"{assignment}.ipynb"


def _cells(assignment):
    path = notebook_path(assignment)
    if not path.exists():
        raise FileNotFoundError(
            f"no master notebook for assignment {assignment!r} at {path}: "
            "hidden tests run from the course repository, where solutions/ lives")
    with open(path, encoding="utf-8") as f:
        return json.load(f)["cells"]


def _source(cell):
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def answer_sources(assignment):
    """``{grade_id: source}`` of the setup and answer cells, in order, markers removed.

    Setup cells are the read-only code cells students get too (imports, given helpers);
    test cells are left out.
    """
    answers = {}
    for cell in _cells(assignment):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta and not meta.get("grade"):
            lines = [line for line in _source(cell).splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            answers[meta["grade_id"]] = "\n".join(lines) + "\n"
    return answers


@functools.lru_cache(maxsize=None)
def namespace(assignment):
    """Execute the setup and answer cells in order in a fresh namespace and return it."""
    ns = {"__name__": f"reference_{assignment}"}
    for grade_id, source in answer_sources(assignment).items():
        exec(compile(source, f"<reference {assignment}:{grade_id}>", "exec"), ns)
    return ns


def function(assignment, name):
    """The reference implementation of one graded function."""
    ns = namespace(assignment)
    if name not in ns:
        raise KeyError(f"{assignment} defines no reference function {name!r}")
    return ns[name]
