"""How much grading costs compared with merely running the notebooks.

    python benchmarks/grading_speed.py [--assignment ex02_sigmoid] [-n 24]

Makes N synthetic submissions of one assignment (reference answers, each catalogued
mistake, the untouched release, a cell that raises), then measures in one run, like with
like, for 1 worker and for one worker per core:

Each course is set up before the clock starts: the assignment is released into a new
gradebook (nbgrader generate_assignment), which an instructor does once, when handing it
out; its seconds are printed apart.

1. plain execution: each notebook executed once with nbclient (no sandbox, no checks),
   the notebooks shared among the workers;
2. grading: ``grading.grade_all`` (sandboxed autograde with the trusted hidden checks,
   and feedback) with the same number of workers;
3. the sandbox's own cost: the same grading with ``--no-sandbox``, every core.

It prints seconds per submission and the ratios. The goal is that grading costs at most
1.5x plain execution at equal parallelism, sandbox included. Machines are noisy: compare
the ratios of one run, not seconds across runs.
"""

import argparse
import io
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# grade_all first, as `python -m grading.grade_all` has it: what it sets up on import (it
# spares jsonschema an optional parser) then holds in this process and in every worker of
# both measurements, which import this script again.
from grading import grade_all  # noqa: E402, I001
import grading  # noqa: E402
import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402


def make_submissions(assignment, n, folder):
    release = nbformat.read(ROOT / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    solution = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    reference = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    variants = [dict(reference), {}]  # correct, untouched
    first = next(iter(reference))
    variants.append(dict(reference, **{first: "raise RuntimeError('broken cell')\n"}))
    for name, spec in grading.load_specs(assignment).items():
        for mistake in spec.mistakes:
            variants.append(dict(reference, **{name: mistake.source}))
    for i in range(n):
        answers = variants[i % len(variants)]
        nb = nbformat.from_dict(release)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
                cell.source = answers[grade_id]
        nbformat.write(nb, folder / f"student{i:03d}.ipynb")


def _execute(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=30, allow_errors=True, kernel_name="python3",
                   extra_arguments=["--IPKernelApp.log_level=ERROR"],
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()


def plain_execution(folder, jobs):
    paths = sorted(folder.glob("*.ipynb"))
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        pool.map(_execute, paths, chunksize=1)
    return time.perf_counter() - start


SETUP = []  # seconds of each course's one-time release, reported apart


def graded(assignment, folder, jobs, sandbox=True):
    if not sandbox:
        os.environ["BACKPROP_GRADING_NO_SANDBOX"] = "1"
    try:
        with tempfile.TemporaryDirectory() as course:
            course = Path(course)
            shutil.copy(ROOT / "nbgrader_config.py", course)
            shutil.copytree(ROOT / "solutions" / assignment, course / "solutions" / assignment)
            # The release (nbgrader generate_assignment, which also creates the gradebook)
            # happens once per assignment, when it is handed out, not once per grading run.
            start = time.perf_counter()
            grade_all._ensure_released(course, assignment)
            SETUP.append(time.perf_counter() - start)
            start = time.perf_counter()
            grade_all.grade_all(assignment, folder, root=course, jobs=jobs, out=io.StringIO())
            return time.perf_counter() - start
    finally:
        os.environ.pop("BACKPROP_GRADING_NO_SANDBOX", None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="ex02_sigmoid")
    parser.add_argument("-n", type=int, default=24, help="number of submissions")
    args = parser.parse_args()
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_submissions(args.assignment, args.n, folder)
        plain = {jobs: plain_execution(folder, jobs) for jobs in (1, cores)}
        grading_time = {jobs: graded(args.assignment, folder, jobs) for jobs in (1, cores)}
        unsandboxed = graded(args.assignment, folder, cores, sandbox=False)
    n = args.n
    print(f"{n} submissions of {args.assignment} on {cores} cores (seconds per submission)")
    for jobs in (1, cores):
        print(f"{jobs} worker(s): plain execution {plain[jobs] / n:5.2f}, grading "
              f"{grading_time[jobs] / n:5.2f} ({grading_time[jobs] / plain[jobs]:.2f}x plain; "
              "goal <= 1.5x)")
    print(f"the sandbox's own cost, {cores} workers: grading without it "
          f"{unsandboxed / n:5.2f}, with it {grading_time[cores] / n:5.2f} "
          f"({grading_time[cores] / unsandboxed:.2f}x)")
    print(f"not counted above: releasing the assignment into a new gradebook, once per course, "
          f"{min(SETUP):.1f} s")


if __name__ == "__main__":
    main()
