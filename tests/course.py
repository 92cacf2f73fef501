"""A throw-away copy of the course for tests: generate, submit, autograde, feedback.

Every nbgrader command runs in a temporary course directory holding copies of
``nbgrader_config.py``, ``solutions/`` and ``exercises/``, so tests never touch the
repository's gradebook or folders.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir()
                     if (p / f"{p.name}.ipynb").exists())
NBGRADER = [sys.executable, "-m", "nbgrader"]


def nbgrader(args, cwd, timeout=900, env=None):
    """Run an nbgrader command in ``cwd``; fail with its output if it exits non-zero."""
    # nbgrader runs `alembic` and jupyter kernels from PATH: use this interpreter's.
    bindir = str(Path(sys.executable).parent)
    env = dict(os.environ, PYTHONWARNINGS="ignore",
               PATH=bindir + os.pathsep + os.environ.get("PATH", ""), **(env or {}))
    done = subprocess.run(NBGRADER + list(args), cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        log = done.stdout + done.stderr
        start = log.find("Traceback")  # the first error is the one that matters
        raise RuntimeError(f"nbgrader {' '.join(args)} exited {done.returncode}:\n"
                           + (log[start:start + 6000] if start >= 0 else log[-6000:]))
    return done


def answer_ids(nb):
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")]


def grade_ids(nb):
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")]


class Course:
    """A course directory under ``path`` with the given assignments generated.

    Each Course has its own gradebook: use one per assignment to grade in parallel
    (two nbgrader processes on one SQLite gradebook lock each other out).
    """

    def __init__(self, path, assignments=ASSIGNMENTS):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "nbgrader_config.py", self.path)
        shutil.copytree(ROOT / "solutions", self.path / "solutions")
        for assignment in assignments:
            nbgrader(["generate_assignment", assignment, "--force"], self.path)

    def release(self, assignment):
        """The generated student notebook (parsed)."""
        return nbformat.read(self.path / "exercises" / assignment / f"{assignment}.ipynb",
                             as_version=4)

    def solution(self, assignment):
        return nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb",
                             as_version=4)

    def answers(self, assignment, notebook=None):
        """{grade_id: source} of the answer cells of a notebook (default: the master)."""
        notebook = notebook or self.solution(assignment)
        return {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("solution")}

    def filled(self, assignment, answers=None, edit=None):
        """The release with ``answers`` ({grade_id: source}) filled in, as a notebook.

        ``answers=None`` fills in the reference answers; ``edit(nb)`` may change the
        notebook further (delete or move cells, ...).
        """
        nb = self.release(assignment)
        chosen = self.answers(assignment) if answers is None else dict(answers)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in chosen:
                cell.source = chosen[grade_id]
        if edit is not None:
            edit(nb)
        return nb

    def submit(self, assignment, student, answers=None, edit=None):
        """Write a submission (see :meth:`filled`) to ``submitted/``."""
        nb = self.filled(assignment, answers, edit)
        folder = self.path / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
        return folder

    def grade_all(self, assignment, source, *extra, timeout=900):
        """Run ``python -m grading.grade_all`` in the course; return the finished process."""
        bindir = str(Path(sys.executable).parent)
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
        return subprocess.run([sys.executable, "-m", "grading.grade_all", assignment,
                               str(source), *extra], cwd=self.path, env=env,
                              capture_output=True, text=True, timeout=timeout)

    def autograde(self, assignment, *extra, env=None):
        return nbgrader(["autograde", assignment, "--create", "--force", *extra], self.path,
                        env=env)

    def feedback(self, assignment):
        nbgrader(["generate_feedback", assignment, "--force"], self.path)

    def feedback_html(self, assignment, student):
        return (self.path / "feedback" / student / assignment / f"{assignment}.html").read_text()

    def autograded(self, assignment, student):
        return nbformat.read(self.path / "autograded" / student / assignment
                             / f"{assignment}.ipynb", as_version=4)

    def scores(self, assignment, student):
        """{test cell grade_id: points} from the gradebook, plus 'total'."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.path / 'gradebook.db'}") as gb:
            submission = gb.find_submission(assignment, student)
            scores = {"total": submission.score}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    scores[grade.name] = grade.score
        return scores

    def max_scores(self, assignment):
        nb = self.solution(assignment)
        return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
                for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}


def cell_of(nb, grade_id):
    """The cell with this grade_id."""
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def without(*grade_ids):
    """An edit that deletes the cells with these grade_ids."""
    def edit(nb):
        nb.cells = [c for c in nb.cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") not in grade_ids]
    return edit


def errors(nb, grade_id):
    """The error outputs ('Name: message') of one cell of an executed notebook."""
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return [f"{o['ename']}: {o['evalue']}" for o in cell.get("outputs", [])
                    if o.get("output_type") == "error"]
    return None


def strip_markers(source):
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def dumps(obj):
    return json.dumps(obj, indent=1, sort_keys=True)
