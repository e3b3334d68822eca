"""The grader (``make grade SUBMISSION=<dir>``): which exercises pass, for one student.

For every chapter notebook of the reference book (the instructor's book, or the handed-out
student edition), the grader

1. reads the submission's copy of the notebook (a missing or unreadable notebook fails its
   coding exercises, with the reason, and the others go on);
2. injects, in memory, a setup cell at the top and a *probe* cell after each coding
   exercise's region — from its answer cell to the next cell that belongs to another exercise,
   so code a student adds below the stub counts;
3. runs the notebook headless with nbclient in a fresh kernel (working directory: the
   notebook's folder; a time limit for the whole notebook; cell errors are recorded, not fatal;
   a notebook that reaches the time limit is run once more, because ipykernel 7 now and then
   stalls a healthy notebook until the limit);
4. reads the probes' outputs. A probe re-runs the checker calls of the *reference* answer cell
   (``check_…(…)``, after that cell's imports, so the instructor's checker is called even if
   the student renamed or redefined it) and displays each :class:`~lstm_core.checks.CheckResult`
   as a JSON output of its own MIME type. Nothing depends on the text a cell prints: a
   student's ``print("✓")`` is not a result.

An error inside an exercise's region fails that exercise with the error; an error elsewhere,
the time limit or a dead kernel fail every coding exercise of that notebook (the assignment is
a notebook that runs top to bottom), never those of other notebooks. Written exercises are
listed with ``passed: null`` for the instructor to mark.

The kernel imports ``lstm_core`` from the reference (``PYTHONPATH``), and each probe reports
where ``lstm_core`` came from: results computed with any other copy are not trusted. Files of
the reference's ``lstm_core/``, ``coursework/`` and ``.github/workflows/grade.yml`` that the
submission changed or deleted are listed in the report (the grader ran the reference's copies,
not the submission's).

Output: ``<dir>/grade.json`` (one record per exercise: ``exercise``, ``chapter``, ``kind``,
``passed``, ``message``) and ``<dir>/grade.md`` (a table for the student).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from .exercises import Exercise, book_exercises, cell_roles, labels_of

MIME = "application/vnd.lstm-coursework.check+json"
PROTECTED = ["lstm_core", "coursework", ".github/workflows/grade.yml"]
DEFAULT_TIMEOUT = 300
ATTEMPTS = 2          # a notebook that reaches the time limit is run once more

SETUP = f'''\
def _coursework_probe(label, imports, calls):
    """Run the reference checker calls of one exercise and display their results (grader)."""
    import lstm_core
    from lstm_core.checks import CheckResult
    from IPython import get_ipython
    from IPython.display import display
    ns = dict(get_ipython().user_ns)
    results = []
    try:
        exec(imports, ns)
    except Exception as err:
        results.append({{"passed": False, "message": f"importing the checker failed: {{type(err).__name__}}: {{err}}"}})
        calls = []
    for call in calls:
        try:
            result = eval(call, ns)
        except Exception as err:
            results.append({{"passed": False, "message": f"{{call}} raised {{type(err).__name__}}: {{err}}"}})
            continue
        if isinstance(result, CheckResult):
            results.append({{"passed": bool(result.passed), "message": f"{{result.name}}: {{result.message}}"}})
        else:
            results.append({{"passed": False, "message": f"{{call}} did not return a CheckResult"}})
    display({{"{MIME}": {{"exercise": label, "lstm_core": lstm_core.__file__, "results": results}}}}, raw=True)
'''


def record(ex: Exercise, passed, message: str) -> dict:
    return {"exercise": ex.label, "chapter": ex.chapter, "kind": ex.kind, "passed": passed,
            "message": message}


def regions(nb, labels) -> dict[str, tuple[int, int]]:
    """``label -> (start, end)``: from the exercise's first answer (or solution) cell up to the
    first later cell that belongs to another exercise, or the end of the notebook."""
    out = {}
    for i, cell in enumerate(nb.cells):
        for role, label in cell_roles(cell):
            if role in ("answer", "solution") and label in labels and label not in out:
                end = next((j for j in range(i + 1, len(nb.cells)) if labels_of(nb.cells[j]) - {label}),
                           len(nb.cells))
                out[label] = (i, end)
    # an answer tag wins over a solution tag that came first (e.g. a solution pasted above)
    for i, cell in enumerate(nb.cells):
        for role, label in cell_roles(cell):
            if role == "answer" and label in out and out[label][0] > i:
                out[label] = (i, out[label][1])
    return out


def plan(nb, coding: list[Exercise]):
    """The notebook to run: setup cell, the submission's cells, one probe per coding exercise.

    Returns ``(notebook, origin, spans)``: ``origin[k]`` is the submission's index of cell
    ``k`` (``None`` for injected cells), ``spans[label] = (start, end, probe_index, found)``
    in indices of the planned notebook.
    """
    found = regions(nb, {ex.label for ex in coding})
    at: dict[int, list[Exercise]] = {}
    for ex in coding:
        at.setdefault(found[ex.label][1] if ex.label in found else len(nb.cells), []).append(ex)
    cells, origin, spans = [nbformat.v4.new_code_cell(SETUP)], [None], {}
    for i in range(len(nb.cells) + 1):
        for ex in at.get(i, []):
            start = found[ex.label][0] + 1 if ex.label in found else len(cells)
            spans[ex.label] = (start, len(cells), len(cells), ex.label in found)
            cells.append(nbformat.v4.new_code_cell(
                f"_coursework_probe({ex.label!r}, {ex.imports!r}, {ex.checks!r})"))
            origin.append(None)
        if i < len(nb.cells):
            cells.append(nb.cells[i])
            origin.append(i)
    planned = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
    return planned, origin, spans


def _errors(cell) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"
    return None


def _where(origin_index: int, cell) -> str:
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {origin_index + 1} (`{first[:60]}`)"


def _execute(planned, origin, path_: Path, env: dict, timeout: int) -> tuple[str | None, bool]:
    """Run the planned notebook in a fresh kernel: ``(what stopped it or None, timed out)``."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    # IPC sockets, not TCP ports: kernels started side by side by separate processes can race for
    # the same free port, and a client connected to another kernel's port waits for replies in vain
    sockets = tempfile.mkdtemp(prefix="coursework-")
    km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
    client = NotebookClient(planned, km=km, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path_.parent.resolve())}})
    deadline = time.monotonic() + timeout
    client.timeout_func = lambda cell: max(1, int(deadline - time.monotonic()))
    current = [0]
    client.on_cell_start = lambda cell, cell_index: current.__setitem__(0, cell_index)
    try:
        client.execute(env=env, stderr=subprocess.DEVNULL)   # the kernel's log is noise here
    except CellTimeoutError:
        k = current[0]
        where = _where(origin[k], planned.cells[k]) if origin[k] is not None else "a check"
        return f"time limit of {timeout} s for the notebook reached in {where}", True
    except DeadKernelError as err:
        return f"the kernel died: {err}", False
    except Exception as err:
        return f"the notebook could not be run: {type(err).__name__}: {str(err)[:300]}", False
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    return None, False


def run_chapter(path: str, exercises: list[Exercise], reference: str, timeout: int) -> list[dict]:
    """Grade one chapter notebook of a submission; never raises."""
    path_ = Path(path)
    coding = [ex for ex in exercises if ex.kind == "coding"]
    written = {ex.label: record(ex, None, "written exercise: marked by the instructor")
               for ex in exercises if ex.kind != "coding"}

    def in_order(graded: dict) -> list[dict]:
        return [graded.get(ex.label) or written[ex.label] for ex in exercises]

    def fail_all(message):
        return in_order({ex.label: record(ex, False, message) for ex in coding})

    if not path_.exists():
        return fail_all(f"{path_.parent.name}/{path_.name} is missing from the submission")
    try:
        nbformat.read(path_, as_version=4)
    except Exception as err:  # not JSON, not a notebook, …
        return fail_all(f"cannot read {path_.name}: {type(err).__name__}: {err}")
    if not coding:
        return in_order({})
    ref = Path(reference).resolve()
    trusted = ref / "lstm_core"
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")   # notebooks run side by side: one BLAS thread each (as make does)
    if trusted.is_dir():
        env["PYTHONPATH"] = os.pathsep.join([str(ref)] + [p for p in [env.get("PYTHONPATH")] if p])
    else:
        import lstm_core
        trusted = Path(lstm_core.__file__).resolve().parent
    for attempt in range(ATTEMPTS):
        planned, origin, spans = plan(nbformat.read(path_, as_version=4), coding)
        broken, timed_out = _execute(planned, origin, path_, env, timeout)
        if not timed_out:   # (ipykernel 7 now and then stalls a healthy notebook: so, once more)
            break
    else:
        broken += f", in each of {ATTEMPTS} runs"
    if broken is None:   # an error outside every exercise's region stops the notebook's grade
        inside = {k for start, end, _, _ in spans.values() for k in range(start, end)}
        for k, cell in enumerate(planned.cells):
            if origin[k] is not None and k not in inside and cell.cell_type == "code" and _errors(cell):
                broken = f"{_where(origin[k], cell)} raised {_errors(cell)}"
                break
    if broken is not None:
        return fail_all(f"the notebook did not run to the end: {broken}")

    out = {}
    for ex in coding:
        start, end, probe, found = spans[ex.label]
        error = next((f"{_where(origin[k], planned.cells[k])} raised {_errors(planned.cells[k])}"
                      for k in range(start, end)
                      if origin[k] is not None and planned.cells[k].cell_type == "code"
                      and _errors(planned.cells[k])), None)
        data = next((o["data"][MIME] for o in planned.cells[probe].get("outputs", [])
                     if o.get("output_type") == "display_data" and MIME in o.get("data", {})), None)
        note = "" if found else f"(no cell tagged answer:{ex.label}; checked at the end of the notebook) "
        if error:
            out[ex.label] = record(ex, False, f"{note}your answer raised an error: {error}")
        elif data is None:
            out[ex.label] = record(ex, False, f"{note}the check did not run: "
                                              f"{_errors(planned.cells[probe]) or 'no output'}")
        elif not Path(data["lstm_core"]).resolve().is_relative_to(trusted):
            out[ex.label] = record(ex, False, f"not trusted: lstm_core was imported from {data['lstm_core']}, "
                                              f"not from the reference copy {trusted}")
        else:
            results = data["results"]
            passed = bool(results) and all(r["passed"] for r in results)
            out[ex.label] = record(ex, passed, note + "; ".join(r["message"] for r in results))
    return in_order(out)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(base: Path) -> dict[str, Path]:
    files = {}
    for name in PROTECTED:
        p = base / name
        found = [p] if p.is_file() else sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else []
        for q in found:
            if "__pycache__" not in q.parts and q.suffix != ".pyc":
                files[q.relative_to(base).as_posix()] = q
    return files


def changed_files(reference: Path, submission: Path) -> list[str]:
    """Protected files of the reference that the submission changed or deleted, and files
    added to ``lstm_core/checks``."""
    ref, sub = _files(Path(reference)), _files(Path(submission))
    problems = []
    for name, path in ref.items():
        if name not in sub:
            problems.append(f"deleted: {name}")
        elif _digest(path) != _digest(sub[name]):
            problems.append(f"changed: {name}")
    problems += [f"added: {name}" for name in sub if name not in ref and name.startswith("lstm_core/checks/")]
    return problems


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_report(records: list[dict], exercises: list[Exercise], problems: list[str], submission: str) -> str:
    titles = {ex.label: ex.title for ex in exercises}
    coding = [r for r in records if r["kind"] == "coding"]
    passed = sum(r["passed"] is True for r in coding)
    written = sum(r["kind"] == "written" for r in records)
    lines = ["# Exercise report", "",
             f"Submission: `{submission}`", "",
             f"**Coding exercises passed: {passed} of {len(coding)}.** "
             f"Written exercises, marked by the instructor: {written}.", ""]
    if problems:
        lines += ["## Handout files that were changed", "",
                  "These files belong to the instructor. The grader ran the instructor's copies, "
                  "not the ones below; tell your instructor why they changed.", ""]
        lines += [f"- {p}" for p in problems] + [""]
    lines += ["| Chapter | Exercise | Kind | Result | Message |", "|---|---|---|---|---|"]
    mark = {True: "✓", False: "✗", None: "to mark"}
    for r in records:
        title = titles.get(r["exercise"], "")
        name = f"{title} (`{r['exercise']}`)" if title else f"`{r['exercise']}`"
        lines.append(f"| {r['chapter']} | {_cell(name)} | {r['kind']} | {mark[r['passed']]} | {_cell(r['message'])} |")
    return "\n".join(lines) + "\n"


def grade(submission: Path, reference: Path, timeout: int = DEFAULT_TIMEOUT, jobs: int = 2,
          chapters: list[str] | None = None) -> tuple[list[dict], list[str]]:
    """Grade ``submission`` against ``reference``; write grade.json and grade.md; return
    ``(records, problems)``."""
    submission, reference = Path(submission).resolve(), Path(reference).resolve()
    exercises = book_exercises(reference)
    if chapters:
        exercises = [ex for ex in exercises if ex.chapter in chapters]
    by_chapter: dict[str, list[Exercise]] = {}
    for ex in exercises:
        by_chapter.setdefault(ex.chapter, []).append(ex)
    args = [(str(submission / "chapters" / f"{ch}.ipynb"), exs, str(reference), timeout)
            for ch, exs in by_chapter.items()]
    if len(args) <= 1 or jobs <= 1:
        results = [run_chapter(*a) for a in args]
    else:   # each notebook's kernel is driven from its own process
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(run_chapter, *zip(*args)))
    records = [r for chunk in results for r in chunk]
    problems = changed_files(reference, submission) if submission != reference else []
    (submission / "grade.json").write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    (submission / "grade.md").write_text(markdown_report(records, exercises, problems, str(submission)),
                                         encoding="utf-8")
    return records, problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursework grade", description=__doc__.split("\n")[0])
    parser.add_argument("submission", type=Path, help="the student's repository (a folder with chapters/)")
    parser.add_argument("--reference", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the instructor's book or the handout it was made from (default: this repository)")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds per notebook (default %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at the same time (default %(default)s)")
    parser.add_argument("--chapters", help="comma-separated notebook stems to grade (default: all)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a coding exercise fails or a handout file was changed")
    a = parser.parse_args(argv)
    if not a.submission.is_dir():
        parser.error(f"{a.submission} is not a folder")
    start = time.monotonic()
    records, problems = grade(a.submission, a.reference, a.timeout, a.jobs,
                              a.chapters.split(",") if a.chapters else None)
    coding = [r for r in records if r["kind"] == "coding"]
    failed = [r for r in coding if r["passed"] is not True]
    print(f"{len(coding) - len(failed)} of {len(coding)} coding exercises pass; "
          f"{len(records) - len(coding)} written exercises to mark; "
          f"report in {a.submission / 'grade.md'} ({time.monotonic() - start:.0f} s)")
    for p in problems:
        print(f"handout file {p}", file=sys.stderr)
    return 1 if a.strict and (failed or problems) else 0
