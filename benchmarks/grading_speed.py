"""How much grading costs compared with merely running the notebooks.

    python benchmarks/grading_speed.py [--assignment ex02_sigmoid] [-n 24]

Makes N synthetic submissions of one assignment (reference answers, each catalogued
mistake, the untouched release, a cell that raises), then measures in one run:

1. plain execution: each notebook executed once with nbclient, one after another;
2. grading with one worker: ``grading.grade_all`` (autograde + feedback) with --jobs 1;
3. grading with every core: ``grading.grade_all`` with --jobs = cores.

It prints seconds per submission and the ratios to plain execution. The goal is that
grading on every core costs at most 1.5x plain execution. Machines are noisy: compare the
ratios of one run, not seconds across runs.
"""

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import grading  # noqa: E402
from grading import grade_all  # noqa: E402


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


def plain_execution(folder):
    start = time.perf_counter()
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=30, allow_errors=True, kernel_name="python3",
                       extra_arguments=["--IPKernelApp.log_level=ERROR"],
                       resources={"metadata": {"path": str(folder)}}).execute()
    return time.perf_counter() - start


def graded(assignment, folder, jobs):
    with tempfile.TemporaryDirectory() as course:
        course = Path(course)
        shutil.copy(ROOT / "nbgrader_config.py", course)
        shutil.copytree(ROOT / "solutions" / assignment, course / "solutions" / assignment)
        start = time.perf_counter()
        grade_all.grade_all(assignment, folder, root=course, jobs=jobs, out=io.StringIO())
        return time.perf_counter() - start


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
        plain = plain_execution(folder)
        serial = graded(args.assignment, folder, 1)
        parallel = graded(args.assignment, folder, cores)
    n = args.n
    print(f"{n} submissions of {args.assignment} on {cores} cores")
    print(f"plain execution (nbclient, serial): {plain / n:6.2f} s per submission")
    print(f"grading, 1 worker:                  {serial / n:6.2f} s per submission"
          f"  ({serial / plain:.2f}x plain)")
    print(f"grading, {cores} workers:                 {parallel / n:6.2f} s per submission"
          f"  ({parallel / plain:.2f}x plain; goal <= 1.5x)")


if __name__ == "__main__":
    main()
