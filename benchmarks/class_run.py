"""Seconds to grade a whole class with one command, as an instructor runs it.

    python benchmarks/class_run.py [--assignment ex03_cost_functions] [-n 30] [--jobs CORES]

Makes a zip of N submissions of one assignment, the way a class hands them in: reference
answers, correct answers written differently (the spec's ALTERNATIVES), each catalogued
mistake, the untouched release, and a few damaged notebooks (setup cell deleted, metadata
stripped by an editor, a file that is not JSON). Then runs ``grading.grade_all`` on it in
a scratch course (release generated first, not timed) and prints the wall-clock seconds
of the grading run, per class and per submission, with how many were graded.
"""

import argparse
import importlib
import io
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import grading  # noqa: E402
from grading import grade_all  # noqa: E402


def variants(assignment):
    """(answers, edit) pairs: every kind of submission, cycled through to fill the class."""
    solution = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    reference = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    kinds = [(reference, None), ({}, None)]
    alternatives = getattr(importlib.import_module(f"grading.specs.{assignment}"),
                           "ALTERNATIVES", {})
    for name, sources in alternatives.items():
        kinds += [(dict(reference, **{name: source}), None) for source in sources]
    for name, spec in grading.load_specs(assignment).items():
        kinds += [(dict(reference, **{name: m.source}), None) for m in spec.mistakes]

    def no_setup(nb):
        nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "setup"]

    def stripped(nb):
        for cell in nb.cells:
            cell.metadata = {}

    kinds[2:2] = [(reference, no_setup), (reference, stripped), (None, None)]
    return kinds


def make_zip(assignment, n, path):
    release = nbformat.read(ROOT / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    kinds = variants(assignment)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            answers, edit = kinds[i % len(kinds)]
            name = f"submissions/student{i:02d}.ipynb"
            if answers is None:
                z.writestr(name, '{"cells": [ not json')
                continue
            nb = nbformat.from_dict(release)
            for cell in nb.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
                    cell.source = answers[grade_id]
            if edit:
                edit(nb)
            z.writestr(name, nbformat.writes(nb))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="ex03_cost_functions")
    parser.add_argument("-n", type=int, default=30, help="number of submissions")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        course = tmp / "course"
        course.mkdir()
        shutil.copy(ROOT / "nbgrader_config.py", course)
        shutil.copytree(ROOT / "solutions" / args.assignment,
                        course / "solutions" / args.assignment)
        grade_all._ensure_released(course, args.assignment)
        make_zip(args.assignment, args.n, tmp / "subs.zip")
        start = time.perf_counter()
        rows = grade_all.grade_all(args.assignment, tmp / "subs.zip", root=course,
                                   jobs=args.jobs, out=io.StringIO())
        seconds = time.perf_counter() - start
    graded = sum(row["status"] == "graded" for row in rows)
    print(f"{args.n} submissions of {args.assignment}, {args.jobs} workers on "
          f"{os.cpu_count()} cores: {seconds:.0f} s ({seconds / args.n:.1f} s per submission); "
          f"{graded} graded, {len(rows) - graded} ungraded")


if __name__ == "__main__":
    main()
