"""nbgrader configuration. Every nbgrader command runs from the repository root."""

from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

ROOT = Path(__file__).resolve().parent

c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "solutions"   # master notebooks with answers and hidden tests
c.CourseDirectory.release_directory = "exercises"  # what students get (committed)
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'gradebook.db'}"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# Autograde: each cell gets 30 s, so a function that loops forever fails its own test
# cell and the rest of the notebook is still graded.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
# Take a snapshot of numpy before the first student cell runs (see grading/guard.py), so
# a notebook that monkeypatches numpy cannot change what the hidden checks compute.
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--IPKernelApp.exec_lines=['import grading.guard']",
]
# Keep at most 200 lines of printed output per cell in graded notebooks.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 100
# A graded test cell the student deleted is put back from the gradebook.
c.OverwriteCells.add_missing_cells = True

# Feedback shows which checks failed and why, never the hidden test code.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "grading.feedback.ShortenTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
