"""Coursework tooling (coursework/): the book's exercise markup, the student edition, the grader.

The markup tests read every chapter; the student-edition tests transform notebooks in memory
(and copy the handout once, without its website); the grader tests run a few tiny notebooks
and one real chapter in a kernel. The full grade of all chapters is a manual check
(appendix/coursework.md gives the commands and the measured results).
"""
import gc
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursework import grade as G
from coursework.exercises import book_exercises, cell_roles, checker_calls, exercises_in
from coursework.markup import mark_up
from coursework.student import build, leftovers, solution_in_page, student_notebook

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
DIRECTIVE = re.compile(r"^(`{3,}|:{3,})\{(exercise|solution|solution-start|solution-end)\}[ \t]*(\S*)", re.M)


def roles(cell, role):
    return [label for r, label in cell_roles(cell) if r == role]


# ------------------------------------------------------------------ the book's markup

@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_exercise_is_marked_up_and_paired(path):
    nb = nbformat.read(path, as_version=4)
    statements, solutions, answers, open_label = {}, {}, {}, None
    for i, cell in enumerate(nb.cells):
        found = DIRECTIVE.findall(cell.source) if cell.cell_type == "markdown" else []
        ex = [f for f in found if f[1] == "exercise"]
        assert len(ex) <= 1, f"cell {i}: two exercises in one cell, run python -m coursework markup"
        if ex:
            label = re.search(r"^:label:\s*(\S+)", cell.source, re.M).group(1)
            assert roles(cell, "exercise") == [label], f"cell {i}: exercise {label} not tagged exercise:{label}"
            statements[label] = i
        for _, name, arg in found:
            if name == "solution-start":
                open_label = arg
            if name in ("solution", "solution-start"):
                assert roles(cell, "solution") == [arg], f"cell {i}: solution of {arg} not tagged solution:{arg}"
            if name == "solution-end":
                assert roles(cell, "solution") == [open_label], f"cell {i}: solution-end not tagged"
        if open_label and not any(f[1] == "solution-start" for f in found):
            assert roles(cell, "solution") == [open_label], \
                f"cell {i} inside the solution of {open_label} is not tagged solution:{open_label}"
        if any(f[1] == "solution-end" for f in found):
            open_label = None
        for label in roles(cell, "solution"):
            solutions.setdefault(label, []).append(cell)
        if cell.cell_type == "code" and "# your code here" in cell.source:
            labels = roles(cell, "answer")
            assert len(labels) == 1, f"cell {i}: a stub without an answer:<label> tag"
            assert "nbval-ignore-output" in cell.metadata["tags"], \
                f"cell {i}: answer cells need nbval-ignore-output (a solved stub prints ✓, not the stored ✗)"
            assert statements.get(labels[0], i) < i, f"cell {i}: answer before its exercise statement"
            answers[labels[0]] = cell
    assert open_label is None, f"solution of {open_label} never ends"
    tagged = {label for cell in nb.cells for _, label in cell_roles(cell)}
    assert tagged <= set(statements), f"tags name exercises that do not exist: {tagged - set(statements)}"
    for label in statements:
        assert solutions.get(label), f"{label} has no cell tagged solution:{label}"
    for label, cell in answers.items():
        _, calls = checker_calls(cell.source)
        assert calls, f"answer cell of {label} calls no check_… function"
        solution_code = "\n".join(c.source for c in solutions[label] if c.cell_type == "code")
        for call in calls:
            assert call in solution_code, f"the solution of {label} does not run {call}"
    for label, i in statements.items():   # an exercise that names a checker is a coding exercise
        if re.search(r"check_\w+", nb.cells[i].source):
            assert label in answers, f"{label} names a checker but has no answer cell"


def test_at_least_20_coding_exercises_are_graded():
    exercises = book_exercises(ROOT)
    coding = [ex for ex in exercises if ex.kind == "coding"]
    assert len(coding) >= 20, [ex.label for ex in coding]
    assert len({ex.label for ex in exercises}) == len(exercises), "exercise labels must be unique"


def test_markup_splits_and_tags_and_is_idempotent():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(
            "## Exercises\n\n```{exercise} A\n:label: ex-a\n\nProve it.\n```\n\n"
            "```{solution} ex-a\n:class: dropdown\n\nDone.\n```\n\n"
            "```{exercise} Code it: B\n:label: ex-b\n\nUse `check_b`.\n```"),
        nbformat.v4.new_code_cell("def f(x):\n    # your code here: replace the next line\n    return x\n\ncheck_b(f)"),
        nbformat.v4.new_markdown_cell("````{solution-start} ex-b\n:class: dropdown\n````\n\nLike this:"),
        nbformat.v4.new_code_cell("def f(x):\n    return 2 * x\n\ncheck_b(f)"),
        nbformat.v4.new_markdown_cell("````{solution-end}\n````\n\nThe end."),
    ])
    assert mark_up(nb) == ["ex-a", "ex-b"]
    tags = [(c.cell_type, c.metadata.get("tags", [])) for c in nb.cells]
    assert tags == [("markdown", ["exercise:ex-a"]), ("markdown", ["solution:ex-a"]),
                    ("markdown", ["exercise:ex-b"]), ("code", ["answer:ex-b", "nbval-ignore-output"]),
                    ("markdown", ["solution:ex-b"]), ("code", ["solution:ex-b"]),
                    ("markdown", ["solution:ex-b"]), ("markdown", [])]
    assert nb.cells[0].source.startswith("## Exercises") and nb.cells[-1].source == "The end."
    again = nbformat.writes(nb)
    mark_up(nb)
    assert nbformat.writes(nb) == again


def test_checker_calls_finds_calls_inside_print_and_the_cell_imports():
    imports, calls = checker_calls(
        "from lstm_core.checks.x import check_a, check_b\nimport numpy as np\n\n"
        "def f(n):\n    return check_a  # not a call\n\nprint(check_a(f, 'v'))\ncheck_b(f)\nr = check_c(f)\n")
    assert imports == "from lstm_core.checks.x import check_a, check_b\nimport numpy as np"
    assert calls == ["check_a(f, 'v')", "check_b(f)"]


# ------------------------------------------------------------------ the student edition

@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_student_notebook_has_no_solutions_and_keeps_everything_else(path):
    nb = nbformat.read(path, as_version=4)
    student = student_notebook(nb)
    assert leftovers(student) == []
    kept = [c for c in nb.cells if not roles(c, "solution")]
    assert [c.source for c in student.cells] == [c.source for c in kept]
    assert [c.get("outputs") for c in student.cells] == [c.get("outputs") for c in kept]
    solution_code = {c.source for c in nb.cells if roles(c, "solution") and c.cell_type == "code"}
    assert not solution_code & {c.source for c in student.cells}
    assert [e.label for e in exercises_in(student, path.stem)] == [e.label for e in exercises_in(nb, path.stem)]
    for ex in exercises_in(student, path.stem):
        assert ex.kind == next(e.kind for e in exercises_in(nb, path.stem) if e.label == ex.label)


def test_student_edition_tree(tmp_path):
    out = tmp_path / "student"
    notebooks = build(ROOT, out, site=False)
    assert [p.name for p in notebooks if p.parent.name == "chapters"] == [p.name for p in CHAPTERS]
    for path in notebooks:
        assert leftovers(nbformat.read(path, as_version=4)) == [], path.name
    for name in ["README.md", "Makefile", "appendix/coursework.md", ".github/workflows/grade.yml",
                 "lstm_core/checks/__init__.py", "coursework/grade.py", "_toc.yml", "pyproject.toml"]:
        assert (out / name).is_file(), name
    assert not (out / "tests").exists() and not (out / "appendix" / "course-ci.yml").exists()
    assert "make grade" in (out / "README.md").read_text(encoding="utf-8")
    # the handout's protected files are the instructor's: a fresh handout reports no change
    assert G.changed_files(ROOT, out) == []


def test_solution_in_page():
    assert solution_in_page('<div class="solution dropdown admonition" id="x">')
    assert solution_in_page('<div class="solution-start dropdown">')
    assert not solution_in_page('<div class="exercise admonition"><p>solution</p></div>')


# ------------------------------------------------------------------ the grader

def _md(src, *tags):
    return nbformat.v4.new_markdown_cell(src, metadata={"tags": list(tags)} if tags else {})


def _code(src, *tags):
    return nbformat.v4.new_code_cell(src, metadata={"tags": list(tags)} if tags else {})


SLOPE = ("from lstm_core.checks.perceptron import check_sigmoid_deriv\n\n"
         "def my_sigmoid_deriv(net):\n{body}\n\ncheck_sigmoid_deriv(my_sigmoid_deriv)")
SLOPE_STUB = "    # your code here: replace the next line\n    return net"
SLOPE_OK = "    s = 1 / (1 + np.exp(-net))\n    return s * (1 - s)"
HPRIME = ("from lstm_core.checks.activations import check_deriv_from_output\n\n"
          "def h_prime(y):\n{body}\n\ncheck_deriv_from_output(h_prime, \"h1997\")")
HPRIME_STUB = "    # your code here: replace the next line\n    return 0 * y"
HPRIME_OK = "    return (1.0 - y * y) / 2.0"


def _chapter(slope=SLOPE_STUB, hprime=HPRIME_STUB, body="import numpy as np", solutions=True):
    cells = [_code(body),
             _md("```{exercise} Code it: the slope\n:label: ex-slope\n\nWrite it.\n```", "exercise:ex-slope"),
             _code(SLOPE.format(body=slope), "answer:ex-slope", "nbval-ignore-output")]
    if solutions:
        cells += [_md("````{solution-start} ex-slope\n````", "solution:ex-slope"),
                  _code(SLOPE.format(body=SLOPE_OK), "solution:ex-slope"),
                  _md("````{solution-end}\n````", "solution:ex-slope")]
    cells += [_md("```{exercise} Code it: h'\n:label: ex-hprime\n\nWrite it.\n```", "exercise:ex-hprime"),
              _code(HPRIME.format(body=hprime), "answer:ex-hprime", "nbval-ignore-output")]
    if solutions:
        cells += [_md("````{solution-start} ex-hprime\n````", "solution:ex-hprime"),
                  _code(HPRIME.format(body=HPRIME_OK), "solution:ex-hprime"),
                  _md("````{solution-end}\n````", "solution:ex-hprime")]
    cells += [_md("```{exercise} Why\n:label: ex-why\n\nExplain.\n```", "exercise:ex-why")]
    if solutions:
        cells += [_md("```{solution} ex-why\n\nBecause.\n```", "solution:ex-why")]
    return nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


SUBMISSIONS = {
    "01_solved": _chapter(SLOPE_OK, HPRIME_OK, solutions=False),
    "02_stub": _chapter(solutions=False),
    "03_answer_error": _chapter(SLOPE_OK + "\n\n1 / 0", HPRIME_OK, solutions=False),
    "04_body_error": _chapter(SLOPE_OK, HPRIME_OK, body="import numpy as np\nraise RuntimeError('boom')",
                              solutions=False),
    "05_missing": None,
    "06_broken": "{ not a notebook",
    # prints a fake ✓ and shadows the checker's name: the grader calls the real checker
    "07_fake": _chapter("    return net\n\nfrom lstm_core.checks import CheckResult\n"
                        "check_sigmoid_deriv = lambda f: CheckResult('x', True, 'fake')\nprint('✓ passed')",
                        solutions=False),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grade")
    ref, sub = base / "reference", base / "submission"
    (ref / "chapters").mkdir(parents=True)
    (sub / "chapters").mkdir(parents=True)
    for name, nb in SUBMISSIONS.items():
        nbformat.write(_chapter(), ref / "chapters" / f"{name}.ipynb")
        if isinstance(nb, str):
            (sub / "chapters" / f"{name}.ipynb").write_text(nb)
        elif nb is not None:
            nbformat.write(nb, sub / "chapters" / f"{name}.ipynb")
    records, problems = G.grade(sub, ref, timeout=120, jobs=2)
    return ref, sub, {(r["chapter"], r["exercise"]): r for r in records}, records


def test_grader_records_and_files(graded):
    ref, sub, by, records = graded
    assert len(records) == 3 * len(SUBMISSIONS)
    assert all(set(r) == {"exercise", "chapter", "kind", "passed", "message"} for r in records)
    assert json.loads((sub / "grade.json").read_text(encoding="utf-8")) == records
    assert [r["exercise"] for r in records[:3]] == ["ex-slope", "ex-hprime", "ex-why"]   # book order
    for (chapter, label), r in by.items():
        assert r["kind"] == ("written" if label == "ex-why" else "coding")
        if label == "ex-why":
            assert r["passed"] is None
    table = (sub / "grade.md").read_text(encoding="utf-8")
    assert "Coding exercises passed: 3 of 14." in table and "| 01_solved | Code it: the slope (`ex-slope`) | coding | ✓ |" in table


def test_grader_verdicts(graded):
    _, _, by, _ = graded
    assert by["01_solved", "ex-slope"]["passed"] and by["01_solved", "ex-hprime"]["passed"]
    stub = by["02_stub", "ex-slope"]
    assert stub["passed"] is False and "check_sigmoid_deriv" in stub["message"]   # the checker's diagnosis
    assert by["03_answer_error", "ex-slope"]["passed"] is False
    assert "ZeroDivisionError" in by["03_answer_error", "ex-slope"]["message"]
    assert by["03_answer_error", "ex-hprime"]["passed"] is True          # only its own exercise fails
    for label in ("ex-slope", "ex-hprime"):
        assert by["04_body_error", label]["passed"] is False and "boom" in by["04_body_error", label]["message"]
        assert by["05_missing", label]["passed"] is False and "missing" in by["05_missing", label]["message"]
        assert by["06_broken", label]["passed"] is False and "cannot read" in by["06_broken", label]["message"]
    assert by["07_fake", "ex-slope"]["passed"] is False


def test_grader_time_limit(tmp_path):
    ref, sub = tmp_path / "ref", tmp_path / "sub"
    for d in (ref, sub):
        (d / "chapters").mkdir(parents=True)
    nbformat.write(_chapter(), ref / "chapters" / "01_slow.ipynb")
    nbformat.write(_chapter(SLOPE_OK, HPRIME_OK, body="import numpy as np\nimport time\ntime.sleep(60)",
                            solutions=False), sub / "chapters" / "01_slow.ipynb")
    records, _ = G.grade(sub, ref, timeout=5, jobs=1)
    assert [r["passed"] for r in records] == [False, False, None]
    assert "time limit of 5 s" in records[0]["message"]


def test_grader_exit_codes(tmp_path):
    ref, sub = tmp_path / "ref", tmp_path / "sub"
    (ref / "chapters").mkdir(parents=True)
    sub.mkdir()
    nbformat.write(_chapter(), ref / "chapters" / "01_gone.ipynb")    # missing: no kernel needed
    assert G.main([str(sub), "--reference", str(ref)]) == 0
    assert G.main([str(sub), "--reference", str(ref), "--strict"]) == 1
    assert [r["passed"] for r in json.loads((sub / "grade.json").read_text())] == [False, False, None]


def test_changed_files_reports_edited_deleted_and_added_checkers(tmp_path):
    ref, sub = tmp_path / "ref", tmp_path / "sub"
    for d in (ref, sub):
        (d / "lstm_core" / "checks").mkdir(parents=True)
        (d / "lstm_core" / "rnn.py").write_text("x = 1\n")
    (ref / "lstm_core" / "checks" / "rnn.py").write_text("def check(): ...\n")
    (sub / "lstm_core" / "checks" / "rnn.py").write_text("def check(): return True\n")
    (ref / "lstm_core" / "checks" / "ffnn.py").write_text("pass\n")
    (sub / "lstm_core" / "checks" / "mine.py").write_text("pass\n")
    (sub / "lstm_core" / "my_variant.py").write_text("pass\n")     # a new module is allowed
    assert sorted(G.changed_files(ref, sub)) == ["added: lstm_core/checks/mine.py",
                                                 "changed: lstm_core/checks/rnn.py",
                                                 "deleted: lstm_core/checks/ffnn.py"]


# jupyter_client leaves the kernel's zmq sockets to the garbage collector (ResourceWarning in
# Socket.__del__, reported by pytest as an unraisable exception); not ours to close, and under
# ``-W error`` it would fail this test.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_real_chapter_student_fails_solution_passes(tmp_path):
    """Chapter 1 of the student edition: the stub fails with its diagnosis; the solution passes."""
    book = nbformat.read(ROOT / "chapters" / "01_notation.ipynb", as_version=4)
    solution = next(c.source for c in book.cells
                    if c.cell_type == "code" and roles(c, "solution") == ["ex-notation-hprime"])
    student = student_notebook(book)
    (tmp_path / "chapters").mkdir()
    path = tmp_path / "chapters" / "01_notation.ipynb"
    nbformat.write(student, path)
    records, _ = G.grade(tmp_path, ROOT, chapters=["01_notation"], jobs=1)
    gc.collect()
    coding = [r for r in records if r["kind"] == "coding"]
    assert [r["passed"] for r in coding] == [False] and "differs from the reference" in coding[0]["message"]
    answer = next(c for c in student.cells if roles(c, "answer") == ["ex-notation-hprime"])
    answer.source = "from lstm_core.checks.activations import check_deriv_from_output\n\n" + solution
    nbformat.write(student, path)
    records, _ = G.grade(tmp_path, ROOT, chapters=["01_notation"], jobs=1)
    gc.collect()          # the kernel clients' sockets go now, under this test's filters
    assert [r["passed"] for r in records if r["kind"] == "coding"] == [True]


def test_solved_stub_does_not_fail_nbval(tmp_path):
    """A stored ✗ re-run as ✓: nbval passes when the answer cell has nbval-ignore-output, fails without."""
    def notebook(tags):
        cell = _code("print('✓ solved')", *tags)
        cell.execution_count = 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="✗ not implemented yet\n")]
        return nbformat.v4.new_notebook(cells=[cell], metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(notebook(["answer:ex-x", "nbval-ignore-output"]), tmp_path / "tagged.ipynb")
    nbformat.write(notebook(["answer:ex-x"]), tmp_path / "untagged.ipynb")
    run = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
           "-p", "no:xdist", "-q", "-rf", "-c", "/dev/null", "--rootdir", str(tmp_path),
           "tagged.ipynb", "untagged.ipynb"]
    out = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True).stdout
    assert "1 failed, 1 passed" in out, out
    assert "FAILED untagged.ipynb" in out and "FAILED tagged.ipynb" not in out, out
