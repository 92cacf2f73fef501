"""The feedback page a student reads offline (grading/feedback.py), shown in a real browser.

One submission of ex02_sigmoid carries everything that spoiled feedback pages (issue 9,
item 7): math in the student's own markdown, HTML, SVG and JavaScript outputs that try to
run code, a 3 MB PNG, a function that loops forever (a timeout) and a catalogued mistake
whose hint is a long line. It is graded and given feedback by nbgrader with the course's
configuration, then opened from disk (file://, no server, no network) in headless Chromium.
"""

import html
import json
import re
import shutil
import subprocess

import pytest

import grading
from course import Course
from test_site import chromium

A = "ex02_sigmoid"
LIMIT = 3  # seconds per cell for this test (the course's own limit, 30 s, is tested elsewhere)

HOSTILE = '''from IPython.display import HTML, SVG, display
import base64
display(HTML('<b id="pwn1" onmouseover="window.PWNED=1">bold</b><script>window.PWNED=2</script>'))
display({"text/html": "<img src=x onerror='window.PWNED=3'>"}, raw=True)
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="window.PWNED=4">'
            '<script>window.PWNED=5</script><circle r="5"/></svg>'))
display({"image/png": base64.b64encode(bytes(3_000_000)).decode()}, raw=True)
display({"application/javascript": "window.PWNED=6"}, raw=True)
'''
NOTES = r"""My notes: the quadratic cost is

$$ C = \frac{1}{2n} \sum_x \| y(x) - a^L(x) \|^2 $$

<script>window.PWNED = 7</script><img src="x" onerror="window.PWNED = 8">
"""
LOOPS = "def relu(z):\n    while True:\n        pass\n"

# Runs in the page once MathJax is done, and writes what it measured into the DOM.
PROBE = """<script>
function probe() {
  var hints = [];
  document.querySelectorAll('pre').forEach(function (pre) {
    if (pre.textContent.indexOf('Likely cause') >= 0) {
      hints.push([pre.scrollWidth, pre.clientWidth, pre.getBoundingClientRect().right]);
    }
  });
  var result = {
    typeset: document.querySelectorAll('mjx-container').length,
    raw: document.body.innerText.indexOf('$$') >= 0,
    hints: hints,
    page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
    pwned: window.PWNED || null
  };
  document.body.setAttribute('data-probe', JSON.stringify(result));
}
window.addEventListener('load', function () {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(probe, probe);
  } else { probe(); }
});
</script>
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("feedback"), [A])
    answers = course.answers(A)
    mistake = grading.load_specs(A)["sigmoid_prime"].mistakes[0]
    answers.update(sigmoid=HOSTILE + answers["sigmoid"], relu=LOOPS,
                   sigmoid_prime=mistake.source.strip() + "\n")

    def add_notes(nb):
        import nbformat

        nb.cells.insert(2, nbformat.v4.new_markdown_cell(NOTES))

    course.submit(A, "student", answers=answers, edit=add_notes)
    course.autograde(A, f"--Execute.timeout={LIMIT}", f"--HiddenChecks.step_timeout={LIMIT}")
    from course import nbgrader

    nbgrader(["generate_feedback", A, "--force", f"--Execute.timeout={LIMIT}"], course.path)
    folder = course.path / "feedback" / "student" / A
    return folder, (folder / f"{A}.html").read_text(), mistake


def test_math_is_served_next_to_the_page_not_from_a_cdn(page):
    folder, source, _ = page
    assert (folder / "mathjax" / "tex-chtml-full.js").exists()
    assert list((folder / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert 'src="mathjax/tex-chtml-full.js"' in source
    assert not re.search(r"<script[^>]+src=\"https?:", source)
    assert "cdnjs" not in source and "MathJax.Hub" not in source


def test_no_student_code_can_run_in_the_page(page):
    _, source, _ = page
    for script in re.findall(r"<script\b[^>]*>(.*?)</script>", source, re.S):
        assert "PWNED" not in script
    tags = re.findall(r"<[a-zA-Z][^>]*>", source)
    assert not [tag for tag in tags if re.search(r"\son\w+\s*=", tag)]
    assert not [tag for tag in tags if "javascript:" in tag]
    assert "an SVG image with scripts or event handlers, not shown" in source
    assert "an output of type application/javascript: not shown" in source
    assert "feedback pages show no student HTML" in source


def test_markdown_is_rendered_not_shown_as_escaped_tags(page):
    """The sanitized markdown of the exercise's text is HTML on the page, not text of tags."""
    _, source, _ = page
    assert "<h2" in source and "&lt;h1" not in source and "&lt;p&gt;" not in source


def test_large_images_are_dropped_with_a_note(page):
    _, source, _ = page
    assert "an output of type image/png, 3.0 MB: not shown, over the 1.0 MB limit" in source
    assert len(source) < 1_000_000


def _text(page_html):
    """The visible text of a page."""
    body = re.sub(r"<(style|script)\b.*?</\1>", "", page_html, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def test_a_timeout_is_explained(page):
    text = _text(page[1])
    assert re.search(rf"[Tt]his cell ran longer than the {LIMIT} s limit", text)
    assert not re.search(r"(KeyboardInterrupt|CellTimeoutError):\s*$", text, re.M)


def test_the_hint_is_on_the_page(page):
    text = _text(page[1])
    assert "Likely cause: " + page[2].hint in text


def test_a_browser_offline_shows_typeset_math_and_the_whole_hint(page, tmp_path):
    browser = chromium()
    folder, source, _ = page
    copy = tmp_path / "page"
    shutil.copytree(folder, copy)
    (copy / f"{A}.html").write_text(source.replace("</body>", PROBE + "</body>", 1))
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--allow-file-access-from-files", f"--user-data-dir={tmp_path / 'profile'}",
         "--window-size=900,1200", "--virtual-time-budget=20000", "--dump-dom",
         (copy / f"{A}.html").as_uri()],
        capture_output=True, text=True, timeout=180)
    found = re.search(r"data-probe=\"([^\"]*)\"", done.stdout)
    assert found, "the probe did not run:\n" + done.stderr[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert result["typeset"] > 0, result
    assert result["raw"] is False, result
    assert result["pwned"] is None, result
    assert result["hints"], result
    for scroll, client, right in result["hints"]:
        assert scroll <= client, result  # the hint wraps instead of running off its box
        assert right <= result["page"][1], result
    assert result["page"][0] <= result["page"][1], result


def test_the_page_is_what_nbconverts_html_exporter_makes_with_alt_texts_added():
    """FeedbackExporter skips HTMLExporter's BeautifulSoup pass (grading/feedback.py) and adds
    the missing ``alt`` texts itself: the page must be the one nbconvert makes, tag for tag."""
    import base64 as b64

    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert.exporters import HTMLExporter

    from grading.feedback import NO_ALT, FeedbackExporter, add_missing_alt

    png = b64.b64encode(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()
    nb = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}})
    nb.cells = [
        nbformat.v4.new_markdown_cell('An image ![a tiny dot](dot.png) and <img src="dot.png">, '
                                      "and a tag in code: `<img src=x>`"),
        nbformat.v4.new_code_cell("html = '<img src=x>'  # text, not a tag", outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "x"}),
            nbformat.v4.new_output("stream", name="stdout", text="<img src=y>\n")]),
    ]
    # (sanitizing off: the classic template would show this markdown as escaped text)
    exporter = FeedbackExporter(template_name="classic", sanitize_html=False)
    ours, _ = exporter._render(nbformat.from_dict(nb), {})
    theirs, _ = HTMLExporter.from_notebook_node(exporter, nbformat.from_dict(nb), {})
    assert "<img src=x>" not in ours and "&lt;img src=x&gt;" in ours  # no new tag in text
    assert ours.count(f'alt="{NO_ALT}"') == 2  # the output image and the bare markdown one
    soup = BeautifulSoup(ours, features="html.parser")
    assert len(soup.find_all("img")) == 3 and all(img.get("alt") for img in soup.find_all("img"))
    assert str(soup) == theirs
    assert add_missing_alt('<img alt="mine" src="a"><IMG src="b"/><imgx>') == \
        f'<img alt="mine" src="a"><img alt="{NO_ALT}" src="b"/><imgx>'
