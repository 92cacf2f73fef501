"""Measure the book's time budgets and print them next to their limits.

    python benchmarks/budgets.py

- each chapter executes in under 20 s (nbclient, a fresh kernel per chapter, from book/);
- a clean build of the site from the stored outputs takes under a minute.

Prints one line per measurement and ``over budget`` where a limit is exceeded; exits 1 if
any is. Timings on a shared machine are noisy: run it twice before believing a miss.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
CHAPTER_LIMIT = 20.0
BUILD_LIMIT = 60.0


def chapter_seconds(path):
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   extra_arguments=["--IPKernelApp.log_level=ERROR"],
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def build_seconds():
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
                        "--path-output", out, "-W", "--keep-going"],
                       check=True, capture_output=True)
        return time.perf_counter() - start


def main():
    over = False
    for path in sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb")):
        seconds = chapter_seconds(path)
        over |= seconds > CHAPTER_LIMIT
        flag = "  over budget" if seconds > CHAPTER_LIMIT else ""
        print(f"chapter {path.stem:<28} {seconds:6.1f} s  (limit {CHAPTER_LIMIT:.0f} s){flag}")
    seconds = build_seconds()
    over |= seconds > BUILD_LIMIT
    flag = "  over budget" if seconds > BUILD_LIMIT else ""
    print(f"{'clean site build':<36} {seconds:6.1f} s  (limit {BUILD_LIMIT:.0f} s){flag}")
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
