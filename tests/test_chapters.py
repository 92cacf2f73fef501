"""Every chapter keeps the book's shape: objectives, math, code, figures, mistakes, exercise.

(nbval, run by the same pytest command, re-executes each chapter and compares its outputs.)
"""

import ast
import os
import re

import nbformat
import pytest
import yaml

import grading
from course import ROOT

CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
SECTIONS = ["## What you will learn", "## Common mistakes", "## Summary", "## Exercise"]
REPO = "https://github.com/backprop-from-scratch/backprop-from-scratch/blob/main"


def _nb(path):
    return nbformat.read(path, as_version=4)


def _markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.fixture(params=CHAPTERS, ids=lambda p: p.stem)
def chapter(request):
    return request.param


def test_chapter_has_the_book_sections_in_order(chapter):
    text = _markdown(_nb(chapter))
    assert len(re.findall(r"^# ", text, re.M)) == 1, "exactly one title"
    assert not re.search(r"^# *(Chapter )?\d", text, re.M), "titles carry no numbers"
    positions = [text.find(section) for section in SECTIONS]
    assert -1 not in positions, [s for s, p in zip(SECTIONS, positions) if p == -1]
    assert positions == sorted(positions)


def test_chapter_has_math(chapter):
    assert re.search(r"\$\$.+?\$\$|\$[^$\n]+\$", _markdown(_nb(chapter)), re.S)


def test_chapter_links_to_its_exercise(chapter):
    number = chapter.stem[:2]
    releases = list((ROOT / "exercises").glob(f"ex{number}_*/ex{number}_*.ipynb"))
    assert len(releases) == 1, f"no exercise for chapter {number}"
    link = f"{REPO}/{releases[0].relative_to(ROOT).as_posix()}"
    assert link in _markdown(_nb(chapter))


def test_chapter_outputs_are_stored_without_errors_or_warnings(chapter):
    nb = _nb(chapter)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code), "execute the chapter and store outputs"
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", cell.source[:200]
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                cell.source[:200], output.text[:300])


def test_figures_have_captions_and_alt_text(chapter):
    nb = _nb(chapter)
    figures = [c for c in nb.cells if c.cell_type == "code"
               and any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert figures, "every chapter has at least one matplotlib figure"
    for cell in figures:
        meta = cell.metadata.get("mystnb", {})
        assert meta.get("figure", {}).get("caption"), cell.source[:120]
        assert meta.get("image", {}).get("alt"), cell.source[:120]


def test_chapter_uses_the_seeded_generator_only(chapter):
    code = "\n".join(c.source for c in _nb(chapter).cells if c.cell_type == "code")
    assert not re.search(r"np\.random\.(seed|rand|randn|random|randint|normal|uniform)\(", code)


def test_chapter_does_not_define_its_exercise_functions(chapter):
    """The reference answers live in solutions/ only, never in the published book."""
    number = chapter.stem[:2]
    graded = {name for p in (ROOT / "solutions").glob(f"ex{number}_*")
              for name in grading.load_specs(p.name)}
    for cell in _nb(chapter).cells:
        if cell.cell_type == "code":
            source = "\n".join(line for line in cell.source.splitlines()
                               if not line.lstrip().startswith(("%", "!")))
            defined = {n.name for n in ast.walk(ast.parse(source))
                       if isinstance(n, ast.FunctionDef)}
            assert not defined & graded, defined & graded


# --- Claims as tests: every number in the prose is printed or written by a cell -------------

# Numbers a chapter may state without a cell printing them: exact math, each named here.
EXACT_MATH = {
    "75 %": "1 - 1/4: the source lesson's 'reduced by at least 75 %', quoted to be corrected",
    "93.75 %": "1 - 1/16: the same lesson's claim for two sigmoid layers",
}
SMALL_INTEGER = 10  # counts, indices and exponents up to 10 are exact math

PROSE_NUMBER = re.compile(r"""
    (?<![\w.^_{/\\-])(?<!\^\{-)                          # not part of a name, exponent or index
    (?P<mant>\d{1,3}(?:[ ,]\d{3})+(?![\d.])|\d+(?:\.\d+)?)(?![\d^])
    (?P<sci>\s*(?:\\times|×)\s*10\^\{?(?P<exp>-?\d+)\}?)?  # 4.5 \times 10^{-5}
    (?P<pct>\s*\\?%)?
""", re.X)
BARE_POWER = re.compile(r"(?<![\d.])10\^\{?(-?\d+)\}?")  # 10^{-12}
CELL_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")


def _prose(text):
    """The text of a markdown cell or caption without code, display math, links and labels."""
    text = text.replace("\u2212", "-")
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)  # display math: formulas, not claims
    text = re.sub(r"\{(?:numref|ref|doc|cite|cite:p|cite:t|eq)\}`[^`]*`", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return text


def _cell_numbers(nb):
    """Every number a code cell prints, or writes as a literal (a setting or an assertion)."""
    from decimal import Decimal, InvalidOperation

    numbers = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts = [cell.source]
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append(output.text)
            elif "text/plain" in output.get("data", {}):
                texts.append(output["data"]["text/plain"])
        for text in texts:
            for match in CELL_NUMBER.finditer(text.replace("_", "")):
                try:
                    numbers.add(Decimal(match.group()))
                except InvalidOperation:
                    pass
    return numbers


def unproduced_numbers(nb):
    """Numbers in the prose and captions of nb that no cell prints or writes, nor EXACT_MATH."""
    from decimal import Decimal

    produced = _cell_numbers(nb)

    def found(value, quantum):
        return any(abs(p - value) <= quantum / 2 for p in produced)

    texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
    for cell in nb.cells:
        meta = cell.metadata.get("mystnb", {})
        texts += [meta.get("figure", {}).get("caption", ""), meta.get("image", {}).get("alt", "")]
    missing = []
    for text in map(_prose, texts):
        for match in PROSE_NUMBER.finditer(text):
            stated = match.group().strip()
            if stated in EXACT_MATH:
                continue
            value = Decimal(re.sub("[ ,]", "", match.group("mant")))
            if not match.group("sci") and not match.group("pct") and "." not in match.group("mant"):
                if value <= SMALL_INTEGER:
                    continue
                # "about 50 000" is stated to its last nonzero digit
                quantum = Decimal(10) ** (len(str(value)) - len(str(value).rstrip("0")))
            else:
                quantum = Decimal(1).scaleb(value.as_tuple().exponent)
            if match.group("exp"):
                exponent = int(match.group("exp"))
                value, quantum = value.scaleb(exponent), quantum.scaleb(exponent)
            if not (found(value, quantum) or match.group("pct") and found(value / 100, quantum / 100)):
                missing.append(f"{stated!r} in ...{text[max(0, match.start() - 50):match.end() + 10]!r}")
        for match in BARE_POWER.finditer(PROSE_NUMBER.sub(" ", text)):
            exponent = int(match.group(1))
            if abs(exponent) > 1 and not any(p and round(float(p.log10())) == exponent
                                             for p in produced):
                missing.append(f"{match.group()!r}: no cell prints a number of that size")
    return missing


def test_every_number_in_the_prose_is_produced_by_a_cell(chapter):
    missing = unproduced_numbers(_nb(chapter))
    assert not missing, "state only what a cell prints or asserts:\n" + "\n".join(missing)


def test_the_number_check_can_fail():
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    def notebook(prose, printed):
        cell = new_code_cell("print(x)", outputs=[new_output("stream", text=printed)])
        return new_notebook(cells=[new_markdown_cell(prose), cell])

    assert not unproduced_numbers(notebook("The cost falls to 0.0136 after 200 steps.",
                                           "cost 0.013612 at step 200"))
    assert not unproduced_numbers(notebook("about $4.5 \\times 10^{-5}$, or 30 %", "4.54e-05 0.30"))
    assert not unproduced_numbers(notebook("Three layers and 75 % of the error.", ""))
    assert unproduced_numbers(notebook("The cost falls to 0.0137.", "cost 0.013612"))
    assert unproduced_numbers(notebook("It is 33 times smaller.", "ratio 40"))
    assert unproduced_numbers(notebook("about $10^{-17}$", "1e-12"))


# --- Pages a reader sees: no hand-numbered headings, no test machinery, no long lines ---------

def test_headings_are_not_numbered_by_hand(chapter):
    """_toc.yml numbers every heading; "5.8.1. 1. Getting the sign" numbers it twice."""
    text = _markdown(_nb(chapter))
    assert not re.findall(r"^#{1,6} *\d+[.)] .*$", text, re.M)


def test_nbval_directives_are_cell_tags_not_visible_comments(chapter):
    for cell in _nb(chapter).cells:
        if cell.cell_type == "code":
            assert "NBVAL" not in cell.source.upper(), cell.source[:120]
            for tag in cell.metadata.get("tags", []):
                if tag.startswith("nbval"):
                    assert tag == "nbval-ignore-output", tag


def test_code_and_outputs_fit_the_page(chapter):
    """About 80 characters of code show at 1280 px (tests/test_site.py measures it)."""
    for cell in _nb(chapter).cells:
        if cell.cell_type != "code":
            continue
        texts = [cell.source] + [o.get("text", "") for o in cell.outputs
                                 if o.output_type == "stream"]
        for text in texts:
            for line in text.splitlines():
                assert len(line) <= 80, line


# --- Readers outside the repository: Colab, a downloaded notebook, a fresh virtualenv ---------

def _repository_url():
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def _first_code_cell(path):
    return next(c for c in _nb(path).cells if c.cell_type == "code")


def test_first_cell_installs_the_helpers_only_when_they_are_missing(chapter, monkeypatch):
    import importlib.util
    import subprocess
    import sys

    import numpy as np

    source = _first_code_cell(chapter).source
    real_find_spec = importlib.util.find_spec
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda args, **kwargs: calls.append(args))
    saved = np.get_printoptions()
    try:
        exec(compile(source, "first cell", "exec"), {})           # backprop is importable
        assert calls == [], "the helpers are installed: the first cell must not run pip"
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: (
            None if name == "backprop" else real_find_spec(name, *a, **k)))
        exec(compile(source, "first cell", "exec"), {})           # as on Colab
    finally:
        np.set_printoptions(**saved)
    assert calls == [[sys.executable, "-m", "pip", "install", "--quiet",
                      f"git+{_repository_url()}#subdirectory=backprop"]]


@pytest.fixture(scope="session")
def reader_venv(tmp_path_factory):
    """A fresh virtualenv with only NumPy, matplotlib and the helper package built from here."""
    import shutil
    import subprocess
    import sys

    tmp = tmp_path_factory.mktemp("reader")
    # A copy, so that building it leaves nothing in the repository; pip builds it as it does
    # for "pip install git+<repository>#subdirectory=backprop" on Colab.
    shutil.copytree(ROOT / "backprop", tmp / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True, timeout=300)
    python = tmp / "venv" / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                           "--disable-pip-version-check", "numpy", "matplotlib",
                           str(tmp / "src")], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("cannot install numpy and matplotlib into a fresh virtualenv:\n"
                        + done.stderr[-2000:])
        pytest.skip("no package index reachable to install numpy and matplotlib")
    return python


def _clean_env(tmp):
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return dict(keep, MPLBACKEND="Agg", MPLCONFIGDIR=str(tmp))


def test_reader_venv_holds_only_the_helpers(reader_venv, tmp_path):
    import subprocess

    probe = ("import importlib.util as u, backprop; "
             "print([m for m in ('grading', 'nbgrader', 'jupyter_book', 'IPython') "
             "if u.find_spec(m)])")
    done = subprocess.run([str(reader_venv), "-c", probe], cwd=tmp_path, capture_output=True,
                          text=True, env=_clean_env(tmp_path), timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]", done.stdout


def test_every_chapter_runs_outside_the_repository(reader_venv, tmp_path):
    """Each chapter's code, run as a script in the reader's virtualenv, far from this checkout."""
    import concurrent.futures
    import subprocess

    def run(path):
        cells = [c.source for c in _nb(path).cells if c.cell_type == "code"]
        script = tmp_path / f"{path.stem}.py"
        script.write_text("\n\n".join(cells) + "\n")
        return path.stem, subprocess.run([str(reader_venv), script.name], cwd=tmp_path,
                                         capture_output=True, text=True, timeout=300,
                                         env=_clean_env(tmp_path))

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name, done in pool.map(run, CHAPTERS):
            assert done.returncode == 0, f"{name}:\n{done.stderr[-3000:]}"


def test_a_readers_matplotlibrc_does_not_change_the_compared_outputs(tmp_path):
    """book/conftest.py pins matplotlib's defaults for nbval; without it, figure sizes differ."""
    import subprocess
    import sys

    (tmp_path / "matplotlibrc").write_text("figure.dpi: 144\n")
    chapter = ROOT / "book" / "03_cost_functions.ipynb"
    env = dict(os.environ, MPLCONFIGDIR=str(tmp_path))
    env.pop("MATPLOTLIBRC", None)  # set by book/conftest.py when this session collected book/

    def nbval(*extra):
        return subprocess.run([sys.executable, "-m", "pytest", "--nbval", "-q", "-p",
                               "no:cacheprovider", *extra, str(chapter)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)

    pinned = nbval()
    assert pinned.returncode == 0, pinned.stdout[-3000:]
    unpinned = nbval("--noconftest")
    assert unpinned.returncode != 0 and "Figure size" in unpinned.stdout, (
        "the check cannot fail: a dpi of 144 should change the figure sizes")
