"""Grade a class's submissions of one assignment, end to end, on every core.

Run from the course root (the repository root, where ``nbgrader_config.py`` is)::

    python -m grading.grade_all ex01_forward_pass path/to/submissions [--jobs 2] [--csv grades.csv]

``path/to/submissions`` is a folder (or a ``.zip`` of one) holding one notebook per
student, either as ``<student>.ipynb`` or anywhere below a folder ``<student>/``. Each
notebook is copied to ``submitted/<student>/<assignment>/<assignment>.ipynb``, then
autograded and given feedback (without hidden tests) by worker processes, one per core,
with a line of progress per student. The grades go to a CSV file: one row per student, the
total and the points of each graded function.

nbgrader autogrades one submission at a time; the workers here each run nbgrader's own
``Autograde`` and ``GenerateFeedback`` on their share of the students, so the grading is
nbgrader's and only the scheduling is ours.
"""

import argparse
import csv
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path


def find_submissions(source):
    """``{student: notebook path}`` from a folder of submissions."""
    source = Path(source)
    found = {}
    for path in sorted(source.rglob("*.ipynb")):
        relative = path.relative_to(source)
        if any(part.startswith(".") for part in relative.parts):
            continue  # .ipynb_checkpoints and the like
        student = relative.parts[0] if len(relative.parts) > 1 else path.stem
        if student in found:
            raise ValueError(f"two notebooks for student {student!r}: {found[student]} and {path}")
        found[student] = path
    if not found:
        raise ValueError(f"no .ipynb submissions found in {source}")
    return found


def collect(source, assignment, root):
    """Copy every submission to ``submitted/``; return the student ids, sorted."""
    submissions = find_submissions(source)
    for student, path in submissions.items():
        folder = Path(root) / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / f"{assignment}.ipynb")
    return sorted(submissions)


def _load_config(root, **course):
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    for key, value in course.items():
        setattr(config.CourseDirectory, key, value)
    return config


_APPS = {}


def _apps(root, assignment):
    """nbgrader's Autograde and GenerateFeedback for this worker, made once and reused:
    the feedback exporter compiles its HTML templates only the first time."""
    import logging
    import warnings

    from nbgrader.converters import Autograde, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    if (root, assignment) not in _APPS:
        # nbgrader logs every step and a harmless checksum warning per notebook; the
        # progress lines are enough here, and failures are reported per student.
        logging.disable(logging.WARNING)
        warnings.simplefilter("ignore")
        config = _load_config(root, assignment_id=assignment)
        coursedir = CourseDirectory(config=config)
        autograde = Autograde(coursedir=coursedir, config=config)
        autograde.force = True
        autograde.create_student = True
        feedback = GenerateFeedback(coursedir=coursedir, config=config)
        feedback.force = True
        _APPS[root, assignment] = coursedir, autograde, feedback
    return _APPS[root, assignment]


def grade_one(job):
    """Autograde one submission and make its feedback; return (student, error or None)."""
    root, assignment, student = job
    coursedir, autograde, feedback = _apps(root, assignment)
    coursedir.student_id = student
    try:
        autograde.start()
        feedback.start()
    except Exception as error:  # noqa: BLE001 - reported per student, the others go on
        return student, f"{type(error).__name__}: {error}"
    return student, None


def scores(root, assignment, students):
    """Rows of {'student', 'total', 'max', <test cell>: points} from the gradebook."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry

    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy noise from nbgrader

    config = _load_config(root)
    rows = []
    with Gradebook(config.CourseDirectory.db_url) as gb:
        for student in students:
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                rows.append({"student": student, "total": "", "max": ""})
                continue
            row = {"student": student, "total": submission.score, "max": submission.max_score}
            for notebook in submission.notebooks:
                for grade in sorted(notebook.grades, key=lambda g: g.name):
                    row[grade.name] = grade.score
            rows.append(row)
    return rows


def write_csv(rows, path):
    columns = ["student", "total", "max"]
    for row in rows:
        columns += [key for key in row if key not in columns]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def grade_all(assignment, source, root=".", jobs=None, csv_path="grades.csv", out=sys.stdout):
    """Collect, autograde, give feedback and export grades; return the rows written."""
    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").exists():
        raise SystemExit(f"{root} has no nbgrader_config.py: run from the course root")
    if not (root / "solutions" / assignment).is_dir():
        raise SystemExit(f"unknown assignment {assignment!r}: no solutions/{assignment}/")
    jobs = jobs or os.cpu_count() or 1
    # The sandbox hides the course folder from student code; the workers inherit this.
    os.environ["BACKPROP_COURSE_ROOT"] = str(root)
    # nbgrader runs `alembic` from PATH: make this interpreter's tools found even when the
    # virtualenv is not activated.
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    with tempfile.TemporaryDirectory() as unpacked:
        if str(source).endswith(".zip"):
            with zipfile.ZipFile(source) as archive:
                archive.extractall(unpacked)
            source = unpacked
        students = collect(source, assignment, root)
    _ensure_released(root, assignment)
    print(f"Grading {len(students)} submissions of {assignment} with {jobs} workers",
          file=out, flush=True)
    start = time.perf_counter()
    failed = {}
    work = [(str(root), assignment, s) for s in students]
    context = multiprocessing.get_context("spawn")
    with context.Pool(min(jobs, len(students))) as pool:
        for done, (student, error) in enumerate(pool.imap_unordered(grade_one, work), 1):
            if error:
                failed[student] = error
                status = f"FAILED: {error}"
            else:
                row = scores(root, assignment, [student])[0]
                status = f"{row['total']:g} / {row['max']:g} points"
            print(f"[{done}/{len(students)}] {student}: {status}", file=out, flush=True)
    rows = scores(root, assignment, students)
    write_csv(rows, root / csv_path if not Path(csv_path).is_absolute() else csv_path)
    seconds = time.perf_counter() - start
    print(f"Done in {seconds:.1f} s ({seconds / len(students):.2f} s per submission). "
          f"Feedback in feedback/<student>/{assignment}/, grades in {csv_path}.",
          file=out, flush=True)
    if failed:
        print(f"{len(failed)} submissions could not be graded: {', '.join(sorted(failed))}",
              file=out, flush=True)
    return rows


def _ensure_released(root, assignment):
    """Autograde needs the assignment in the gradebook: generate it if it is not there."""
    from nbgrader.api import Gradebook, MissingEntry

    config = _load_config(root)
    with Gradebook(config.CourseDirectory.db_url) as gb:
        try:
            gb.find_assignment(assignment)
            return
        except MissingEntry:
            pass
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    config = _load_config(root, assignment_id=assignment)
    app = GenerateAssignment(coursedir=CourseDirectory(config=config), config=config)
    app.force = True
    app.start()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", help="e.g. ex01_forward_pass")
    parser.add_argument("submissions", help="folder or .zip with one notebook per student")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    parser.add_argument("--csv", default="grades.csv", help="where to write the grades")
    parser.add_argument("--root", default=".", help="course root (default: current folder)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code without bubblewrap (trusted submissions only)")
    args = parser.parse_args(argv)
    if args.no_sandbox:
        os.environ["BACKPROP_GRADING_NO_SANDBOX"] = "1"
    from grading import sandbox
    try:
        sandbox.enabled()  # refuse now, with the reason, rather than once per student
    except sandbox.SandboxUnavailable as error:
        raise SystemExit(f"cannot grade: {error}") from None
    if not Path(args.submissions).exists():
        raise SystemExit(f"no such folder or zip: {args.submissions}")
    try:
        grade_all(args.assignment, args.submissions, args.root, args.jobs, args.csv)
    except (ValueError, zipfile.BadZipFile) as error:
        raise SystemExit(f"cannot grade {args.submissions}: {error}") from None


if __name__ == "__main__":
    main()
