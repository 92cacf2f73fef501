"""Grade a class's submissions of one assignment, end to end, on every core.

Run from the course root (the repository root, where ``nbgrader_config.py`` is)::

    python -m grading.grade_all ex01_forward_pass path/to/submissions [--jobs 2] [--csv PATH]

``path/to/submissions`` is a folder (or a ``.zip`` of one) holding one notebook per
student, either as ``<student>.ipynb`` or anywhere below a folder ``<student>/``. Folders
that wrap the whole class (``zip -r subs.zip submissions``), ``__MACOSX/``, hidden files and
the case of ``.ipynb`` do not matter. Each notebook is copied to
``submitted/<student>/<assignment>/<assignment>.ipynb``, then autograded and given feedback
(without hidden tests) by worker processes, one per core, with a line per student.

Every submission ends graded or explained. A student whose submission cannot be graded
(two notebooks, an unsafe or linked name in the archive, a notebook over the size limit, a
file that is not a notebook, a failure inside nbgrader) is marked ``ungraded`` with the
reason, on the console and in the CSV; the others are graded as usual, and the command
exits with status 1. nbgrader's tracebacks go to a log file whose path is printed.
Regrading a student first removes their previous grade, graded notebook and feedback, so
nothing stale remains.

The grades go to ``grades-<assignment>.csv`` (``nbgrader export`` writes ``grades.csv``
in its own format; ``--csv`` chooses another file): one row per student with ``student``,
``status`` (``graded`` or ``ungraded``), ``reason``, ``total``, ``max``, the points of each
test cell and the ``repairs`` made to the notebook before grading (see grading/repair.py).
An ungraded student's points are left empty, never 0.

nbgrader autogrades one submission at a time; the workers here each run nbgrader's own
``Autograde`` and ``GenerateFeedback`` on their share of the students, so the grading is
nbgrader's and only the scheduling is ours.

A worker that dies (killed by the system when memory runs out, or by hand) never hangs the
run: the students it and the other workers had not finished are graded again, one at a time,
each by a worker of its own; a student whose grading kills that worker too is ``ungraded``
with the reason. The sandboxes' scratch folders are made in a folder of the run's own (the
workers' ``TMPDIR``), removed at the end with whatever a dead worker left there.
"""

import argparse
import contextlib
import csv
import io
import logging
import multiprocessing
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import traceback
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MB = 1024 * 1024
DEFAULT_MAX_MB = 200
_CHUNK = MB


@dataclass
class Submission:
    """One student's submission: a notebook file, or the reason there is none to grade."""

    student: str
    path: Path | None = None          # the copy in submitted/
    problem: str | None = None        # why it cannot be graded
    found: list = field(default_factory=list)  # names in the archive or folder


# --------------------------------------------------------------------------- finding

@dataclass
class _Entry:
    """A candidate notebook in a zip or a folder."""

    name: str                 # as written in the archive / relative to the folder
    parts: tuple              # cleaned path components
    size: int = 0
    problem: str | None = None
    member: object = None     # zipfile.ZipInfo or Path


def _human(size):
    return f"{size / MB:.1f} MB" if size >= MB / 10 else f"{size} bytes"


def _skipped(parts):
    """Folders and files that never hold a submission: macOS metadata, hidden, checkpoints."""
    return any(p == "__MACOSX" or p.startswith(".") for p in parts)


def _clean_parts(name):
    """(parts, problem): the path components of an archive name, and why it is unsafe."""
    posix = name.replace("\\", "/")
    parts = tuple(p for p in PurePosixPath(posix).parts if p not in ("", "."))
    unsafe = (posix.startswith("/") or re.match(r"^[A-Za-z]:", posix) or ".." in parts)
    safe = tuple(p for p in parts if p not in ("/", "..") and not re.match(r"^[A-Za-z]:$", p))
    if unsafe:
        return safe, f"unsafe path in the archive: {name!r} (not extracted)"
    return safe, None


def scan_zip(archive, max_bytes):
    """Candidate notebooks of an open ZipFile, with the problems visible in its headers."""
    entries = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        parts, problem = _clean_parts(info.filename)
        if not parts or not parts[-1].lower().endswith(".ipynb") or _skipped(parts):
            continue
        mode = info.external_attr >> 16
        if problem is None and stat.S_ISLNK(mode):
            problem = f"{info.filename!r} is a symbolic link in the archive, not a notebook"
        if problem is None and info.file_size > max_bytes:
            problem = (f"{info.filename!r} is {_human(info.file_size)} unpacked, over the "
                       f"{_human(max_bytes)} limit (see --max-mb)")
        entries.append(_Entry(info.filename, parts, info.file_size, problem, info))
    return entries


def scan_folder(folder, max_bytes):
    """Candidate notebooks below a folder (symbolic links are reported, never followed)."""
    entries = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        for name in list(dirnames):
            if (here / name).is_symlink():
                dirnames.remove(name)
        for name in sorted(filenames):
            path = here / name
            parts = path.relative_to(folder).parts
            if not name.lower().endswith(".ipynb") or _skipped(parts):
                continue
            problem = None
            size = 0
            if path.is_symlink():
                problem = f"{'/'.join(parts)!r} is a symbolic link, not a notebook"
            elif not path.is_file():  # a FIFO would block the copy forever; a socket, a device
                problem = f"{'/'.join(parts)!r} is not a regular file, not a notebook"
            else:
                size = path.stat().st_size
                if size > max_bytes:
                    problem = (f"{'/'.join(parts)!r} is {_human(size)}, over the "
                               f"{_human(max_bytes)} limit (see --max-mb)")
            entries.append(_Entry("/".join(parts), parts, size, problem, path))
    return entries


def _strip_wrappers(entries, assignment):
    """Drop folders that wrap the whole class (``submissions/alice.ipynb``)."""
    depth = 0
    while True:
        parts = [e.parts[depth:] for e in entries]
        if not parts or any(len(p) < 2 for p in parts) or len({p[0] for p in parts}) != 1:
            return depth
        rest = [p[1:] for p in parts]
        # One notebook right inside the folder, or notebooks named like the assignment:
        # the folder is the student, not a wrapper.
        if len(rest) == 1 and len(rest[0]) == 1:
            return depth
        if any(len(r) == 1 and r[0].lower().startswith(assignment.lower()) for r in rest):
            return depth
        depth += 1


def safe_student_id(name):
    """A student id usable as a folder name."""
    cleaned = re.sub(r"[^\w.@+-]", "_", name).strip("._") or "unnamed"
    return cleaned[:100]


def group_by_student(entries, assignment):
    """``{student: [entries]}``: the first folder below any wrapper, or the file's stem."""
    depth = _strip_wrappers(entries, assignment)
    students = {}
    for entry in entries:
        parts = entry.parts[depth:]
        name = parts[0] if len(parts) > 1 else parts[0][: -len(".ipynb")]
        students.setdefault(safe_student_id(name), []).append(entry)
    return students


def _extract(archive, entry, dest, max_bytes):
    """Copy one entry to ``dest``, counting bytes: a header can lie about the size."""
    written = 0
    try:
        with (archive.open(entry.member) if archive else open(entry.member, "rb")) as src, \
                open(dest, "wb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise ValueError(f"{entry.name!r} unpacks to more than {_human(max_bytes)} "
                                     f"(the archive said {_human(entry.size)}), over the limit "
                                     "(see --max-mb)")
                out.write(chunk)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, RuntimeError) as error:
        dest.unlink(missing_ok=True)
        if isinstance(error, ValueError) and "over the limit" in str(error):
            return str(error)
        return f"cannot unpack {entry.name!r}: {error}"
    return None


def collect(source, assignment, root, max_bytes=DEFAULT_MAX_MB * MB):
    """Put every submission in ``submitted/``; return ``{student: Submission}``.

    A student whose entries are ambiguous or unsafe gets a Submission with a problem and no
    file; their previous submitted copy is removed either way.
    """
    from grading.repair import NotANotebook, read_submission

    source = Path(source)
    archive = zipfile.ZipFile(source) if source.is_file() else None
    try:
        entries = scan_zip(archive, max_bytes) if archive else scan_folder(source, max_bytes)
        if not entries:
            raise ValueError(f"no .ipynb submissions found in {source}")
        result = {}
        for student, found in sorted(group_by_student(entries, assignment).items()):
            sub = Submission(student, found=[e.name for e in found])
            result[student] = sub
            folder = Path(root) / "submitted" / student / assignment
            if folder.exists():
                shutil.rmtree(folder)
            problems = [e.problem for e in found if e.problem]
            if problems:
                sub.problem = problems[0]
                continue
            if len(found) > 1:
                names = ", ".join(repr(e.name) for e in found)
                sub.problem = (f"{len(found)} notebooks for one student ({names}): keep one "
                               "and grade again")
                continue
            folder.mkdir(parents=True)
            dest = folder / f"{assignment}.ipynb"
            sub.problem = _extract(archive, found[0], dest, max_bytes)
            if sub.problem is None:
                sub.path = dest
                try:
                    read_submission(dest)
                except NotANotebook as error:
                    sub.problem = str(error)
                except Exception as error:  # noqa: BLE001 - one student, never the class
                    sub.problem = f"cannot read the notebook ({type(error).__name__}: {error})"
        return result
    finally:
        if archive:
            archive.close()


# --------------------------------------------------------------------------- grading

def _load_config(root, **course):
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    for key, value in course.items():
        setattr(config.CourseDirectory, key, value)
    return config


_APPS = {}
_LOG = io.StringIO()


def _quiet():
    """nbgrader logs every step, a checksum warning per notebook and SQLAlchemy and traitlets
    warnings: the progress lines are enough on the console; errors go to the log file."""
    import warnings

    warnings.simplefilter("ignore")
    for name in ("traitlets", "nbgrader", "sqlalchemy", "py.warnings"):
        logging.getLogger(name).setLevel(logging.ERROR)


# What every grading worker imports (about 1 s of CPU). With a forkserver these are imported
# once, by the server, and each worker is forked from it ready to grade; a module missing
# here is just imported by the worker itself.
# Not grading.grade_all itself: run as `python -m grading.grade_all`, it is each worker's
# __main__, which runpy would then find imported already (a RuntimeWarning per worker).
PRELOAD = ["grading.nbgrader_hooks", "grading.feedback", "grading.repair",
           "grading.core", "nbgrader.converters", "nbgrader.coursedir", "nbgrader.api",
           "nbgrader.preprocessors", "nbconvert.exporters.html", "nbclient",
           "jupyter_client.manager", "pygments.lexers.python", "pygments.formatters.html",
           "sqlalchemy.dialects.sqlite", "bleach"]


def _pool_context():
    """multiprocessing's forkserver, preloading :data:`PRELOAD`, where there is one (Linux,
    macOS); else spawn. Never plain fork: this process may hold threads and database
    connections. The server's preparation covers cwd and sys.path but not the environment:
    :func:`_start_worker` gives each worker this process's."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _start_worker(environ):
    """Worker initializer: the environment of the process that started the pool (a forkserver
    was started with the environment of the first run in this process: a later run's
    course root or --no-sandbox would be lost), then :func:`_silence_worker`."""
    os.environ.clear()
    os.environ.update(environ)
    _silence_worker()


def _silence_worker():
    """What a worker or its kernels print (kernel banners, C-level warnings) must not reach
    the console; failures come back through the log instead."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _apps(root, assignment):
    """nbgrader's Autograde and GenerateFeedback for this worker, made once and reused:
    the feedback exporter compiles its HTML templates only the first time."""
    from nbgrader.converters import Autograde, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    if (root, assignment) not in _APPS:
        _quiet()
        log = logging.getLogger(f"grading.grade_all.{os.getpid()}")
        log.propagate = False
        log.setLevel(logging.ERROR)
        handler = logging.StreamHandler(_LOG)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        log.addHandler(handler)
        config = _load_config(root, assignment_id=assignment)
        coursedir = CourseDirectory(config=config, log=log)
        autograde = Autograde(coursedir=coursedir, config=config, log=log)
        autograde.force = True
        autograde.create_student = True
        feedback = GenerateFeedback(coursedir=coursedir, config=config, log=log)
        feedback.force = True
        _APPS[root, assignment] = coursedir, autograde, feedback
    return _APPS[root, assignment]


def _first_error(log_text):
    """The exception that ended the first traceback in nbgrader's log, else its first error."""
    records, current = [], []
    for line in log_text.splitlines():
        if line.startswith(("ERROR ", "CRITICAL ")) and current:
            records.append(current)
            current = []
        current.append(line)
    records.append(current)
    for record in records:
        if any("Traceback (most recent call last)" in line for line in record):
            ends = [line for line in record if line.strip() and not line.startswith((" ", "\t"))]
            if ends:
                return ends[-1].strip()
    for record in records:
        if record:
            return record[0].split(" ", 1)[-1].strip()
    return ""


def grade_one(job):
    """Autograde one submission and make its feedback; return a dict of what happened."""
    root, assignment, student = job
    coursedir, autograde, feedback = _apps(root, assignment)
    coursedir.student_id = student
    done = {"student": student, "error": None, "feedback_error": None, "log": "", "repairs": []}
    _LOG.seek(0)
    _LOG.truncate()
    try:
        autograde.start()
    except Exception as error:  # noqa: BLE001 - reported per student, the others go on
        log = _LOG.getvalue() or traceback.format_exc()
        done.update(log=log, error=_first_error(log) or f"{type(error).__name__}: {error}")
        return done
    graded = Path(root) / "autograded" / student / assignment / f"{assignment}.ipynb"
    try:
        import nbformat

        from grading.repair import repairs_of

        done["repairs"] = repairs_of(nbformat.read(graded, as_version=4))
    except Exception as error:  # noqa: BLE001
        done.update(error=f"nbgrader wrote no readable graded notebook ({error})",
                    log=_LOG.getvalue())
        return done
    _LOG.seek(0)
    _LOG.truncate()
    try:
        feedback.start()
    except Exception as error:  # noqa: BLE001
        log = _LOG.getvalue() or traceback.format_exc()
        done.update(log=log, feedback_error=_first_error(log) or f"{type(error).__name__}: {error}")
    return done


WORKER_DIED = ("the grading worker died while grading this notebook (killed by the system, "
               "e.g. out of memory?)")


def _outcome(future):
    """What grading one student gave: :func:`grade_one`'s dict, or the exception instead."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 - BrokenProcessPool, or an error in the worker
        return error
    except KeyboardInterrupt as error:  # raised in the worker (a signal sent to it alone)
        return RuntimeError(f"the grading worker was interrupted ({error!r})")


def _graded(root, assignment, students, workers, environ, out):
    """Grade ``students`` with :func:`grade_one` in worker processes that get ``environ``;
    yield ``(student, outcome)`` as each one ends, the outcome as :func:`_outcome` gives it.

    A ``concurrent.futures.ProcessPoolExecutor`` notices a worker that dies, where
    multiprocessing's Pool waits for its result forever: it fails every future it had not
    finished with ``BrokenProcessPool``. Those students are graded again, one at a time,
    each in an executor of its own, so that only a student whose own grading kills its
    worker is blamed (BrokenProcessPool again); students already done keep their results.
    """
    def executor(n):
        return ProcessPoolExecutor(n, mp_context=_pool_context(), initializer=_start_worker,
                                   initargs=(environ,))

    def job(student):
        return str(root), assignment, student

    order = {student: i for i, student in enumerate(students)}
    unfinished = []
    pool = executor(workers)
    try:
        futures = {}
        for student in students:
            try:
                futures[pool.submit(grade_one, job(student))] = student
            except BrokenProcessPool:  # a worker died already
                unfinished.append(student)
        for future in as_completed(futures):
            outcome = _outcome(future)
            if isinstance(outcome, BrokenProcessPool):
                unfinished.append(futures[future])
            else:
                yield futures[future], outcome
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if not unfinished:
        return
    unfinished.sort(key=order.get)
    print(f"A grading worker died: grading the {_plural(len(unfinished), 'unfinished submission')}"
          " again, one at a time", file=out, flush=True)
    for student in unfinished:
        forget(root, assignment, [student])  # what the first attempt left half done
        pool = executor(1)
        try:
            outcome = _outcome(pool.submit(grade_one, job(student)))
        except BrokenProcessPool as error:
            outcome = error
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        yield student, outcome


def _not_graded(student, error, log_name):
    """The dict :func:`grade_one` would give, for a student whose grading raised ``error``
    in this process: the worker died, or failed outside nbgrader."""
    done = {"student": student, "error": None, "feedback_error": None, "log": "",
            "repairs": [], "reason": WORKER_DIED}
    if not isinstance(error, BrokenProcessPool):
        done.update(log="".join(traceback.format_exception(error)),
                    reason=f"the grader failed on it: {type(error).__name__}: {error} "
                           f"(traceback in {log_name})")
    return done


def test_cells(root, assignment):
    """grade_ids of the test cells, in the release's order."""
    import nbformat

    path = Path(root) / "exercises" / assignment / f"{assignment}.ipynb"
    if not path.exists():
        return []
    nb = nbformat.read(path, as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")]


def scores(root, assignment, student):
    """``{'total', 'max', <test cell>: points}`` from the gradebook, or None."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(_load_config(root).CourseDirectory.db_url) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        row = {"total": submission.score, "max": submission.max_score}
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                row[grade.name] = grade.score
    return row


def forget(root, assignment, students):
    """Remove the students' previous graded notebooks, feedback and gradebook submissions."""
    from nbgrader.api import Gradebook, MissingEntry

    root = Path(root)
    for student in students:
        for step in ("autograded", "feedback"):
            folder = root / step / student / assignment
            if folder.exists():
                shutil.rmtree(folder)
    with Gradebook(_load_config(root).CourseDirectory.db_url) as gb:
        for student in students:
            try:
                gb.remove_submission(assignment, student)
            except MissingEntry:
                pass


def write_csv(rows, path, tests):
    columns = ["student", "status", "reason", "total", "max", *tests, "repairs"]
    for row in rows:
        columns += [key for key in row if key not in columns]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def grade_all(assignment, source, root=".", jobs=None, csv_path=None, out=sys.stdout,
              max_mb=DEFAULT_MAX_MB):
    """Collect, autograde, give feedback and export grades; return the rows written.

    Each row has ``status`` ``graded`` or ``ungraded`` and a ``reason``.
    """
    start = time.perf_counter()  # "Done in" counts collecting and releasing too
    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").exists():
        raise SystemExit(f"{root} has no nbgrader_config.py: run from the course root")
    if not (root / "solutions" / assignment).is_dir():
        raise SystemExit(f"unknown assignment {assignment!r}: no solutions/{assignment}/")
    csv_path = Path(csv_path) if csv_path else Path(f"grades-{assignment}.csv")
    csv_path = csv_path if csv_path.is_absolute() else root / csv_path
    log_path = csv_path.with_suffix(".log")
    log_path.unlink(missing_ok=True)  # a log of an earlier run would be stale
    jobs = jobs or os.cpu_count() or 1
    # The sandbox hides the course folder from student code; the workers inherit this.
    os.environ["BACKPROP_COURSE_ROOT"] = str(root)
    # nbgrader runs `alembic` from PATH: make this interpreter's tools found even when the
    # virtualenv is not activated.
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    _quiet()
    submissions = collect(source, assignment, root, max_mb * MB)
    _ensure_released(root, assignment)
    forget(root, assignment, submissions)
    todo = [s for s, sub in submissions.items() if sub.problem is None]
    total = len(submissions)
    workers = max(1, min(jobs, len(todo)))
    print(f"Grading {_plural(total, 'submission')} of {assignment} with "
          f"{_plural(workers, 'worker')}", file=out, flush=True)
    rows, logs, count = {}, [], 0

    def report(student, text):
        nonlocal count
        count += 1
        print(f"[{count}/{total}] {student}: {text}", file=out, flush=True)

    for student, sub in submissions.items():
        if sub.problem:
            rows[student] = {"student": student, "status": "ungraded", "reason": sub.problem}
            report(student, f"UNGRADED: {sub.problem}")

    def record(student, done):
        """Report how grading one student went (:func:`grade_one`'s dict) and keep the row."""
        repairs = " ".join(done["repairs"])
        reason = done.get("reason")  # set by _not_graded only
        row = scores(root, assignment, student) if not (reason or done["error"]) else None
        if row is None:
            if not reason:
                reason = f"nbgrader could not grade it: {done['error'] or 'no grades recorded'}"
                if done["log"]:
                    reason += f" (traceback in {log_path.name})"
            if done["log"]:
                logs.append((student, done["log"]))
            forget(root, assignment, [student])
            rows[student] = {"student": student, "status": "ungraded", "reason": reason,
                             "repairs": repairs}
            report(student, f"UNGRADED: {reason}")
            return
        reason = ""
        if done["feedback_error"]:
            reason = (f"graded, but no feedback page: {done['feedback_error']} "
                      f"(traceback in {log_path.name})")
            logs.append((student, done["log"]))
        rows[student] = {"student": student, "status": "graded", "reason": reason,
                         "repairs": repairs, **row}
        text = f"{row['total']:g} / {row['max']:g} points"
        if done["repairs"]:
            text += f" (notebook repaired: {_plural(len(done['repairs']), 'change')})"
        if reason:
            text += f"; {reason}"
        report(student, text)

    if todo:
        # The sandboxes' scratch folders go in a folder of this run's (the workers' TMPDIR):
        # what a worker that died left there (its kernel's folder, its evaluator's) goes too.
        scratch = tempfile.mkdtemp(prefix="bp-grade-")
        environ = dict(os.environ, TMPDIR=scratch)
        try:
            # closing(): the workers end before their TMPDIR is removed, even on an error.
            with contextlib.closing(_graded(root, assignment, todo, workers, environ, out)) \
                    as outcomes:
                for student, done in outcomes:
                    if isinstance(done, Exception):
                        done = _not_graded(student, done, log_path.name)
                    record(student, done)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    ordered = [rows[s] for s in sorted(rows)]
    write_csv(ordered, csv_path, test_cells(root, assignment))
    if logs:
        with open(log_path, "w") as f:
            for student, text in logs:
                f.write(f"===== {student}\n{text.rstrip()}\n\n")
    seconds = time.perf_counter() - start
    ungraded = [r for r in ordered if r["status"] == "ungraded"]
    print(f"Done in {seconds:.1f} s. Feedback in feedback/<student>/{assignment}/; "
          f"grades in {csv_path}", file=out, flush=True)
    if logs:
        print(f"nbgrader's tracebacks: {log_path}", file=out, flush=True)
    if ungraded:
        print(f"{_plural(len(ungraded), 'submission')} of {total} could not be graded "
              f"(see the reason column): {', '.join(r['student'] for r in ungraded)}",
              file=out, flush=True)
    return ordered


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
    parser.add_argument("--csv", default=None,
                        help="where to write the grades (default: grades-<assignment>.csv)")
    parser.add_argument("--root", default=".", help="course root (default: current folder)")
    parser.add_argument("--max-mb", type=float, default=DEFAULT_MAX_MB,
                        help=f"largest notebook accepted, unpacked (default: {DEFAULT_MAX_MB})")
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
        rows = grade_all(args.assignment, args.submissions, args.root, args.jobs, args.csv,
                         max_mb=args.max_mb)
    except (ValueError, zipfile.BadZipFile) as error:
        raise SystemExit(f"cannot grade {args.submissions}: {error}") from None
    if any(row["status"] != "graded" or row.get("reason") for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
