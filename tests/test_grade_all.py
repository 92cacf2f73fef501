"""The instructors' one command: grade a zip of submissions end to end, with progress and a CSV."""

import csv
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from course import ROOT

A = "ex01_forward_pass"


def test_grade_all_grades_a_zip_of_submissions(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / A, course / "solutions" / A)
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(ROOT / "solutions" / A / f"{A}.ipynb", f"alice/{A}.ipynb")
        z.write(ROOT / "exercises" / A / f"{A}.ipynb", "bob.ipynb")
        z.writestr("carol/.ipynb_checkpoints/old-checkpoint.ipynb", "{}")
        z.write(ROOT / "exercises" / A / f"{A}.ipynb", f"carol/{A}.ipynb")
    bindir = str(Path(sys.executable).parent)
    done = subprocess.run(
        [sys.executable, "-m", "grading.grade_all", A, str(archive), "--jobs", "2"],
        cwd=course, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"]))
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == f"Grading 3 submissions of {A} with 2 workers"
    assert sorted(line.split("]")[1] for line in lines if line.startswith("[")) == [
        " alice: 6 / 6 points", " bob: 0 / 6 points", " carol: 0 / 6 points"]
    with open(course / "grades.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert rows["alice"]["total"] == "6.0" and rows["alice"]["test_dense_forward"] == "3.0"
    assert rows["bob"]["total"] == "0.0"
    for student in rows:
        feedback = course / "feedback" / student / A / f"{A}.html"
        assert feedback.exists()
        assert "BEGIN HIDDEN TESTS" not in feedback.read_text()


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
