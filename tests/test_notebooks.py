"""Rules every chapter notebook must follow (CONTRIBUTING.md), checked without running them.

nbval compares stored outputs with fresh ones, so a notebook whose code cells were never
executed would pass it trivially. These checks make that impossible, and keep the book's
table of contents and the notebooks in step.
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "appendix").glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_exercise_index_is_current():
    """The computed exercise index must list every exercise label of every chapter."""
    index = (ROOT / "appendix" / "exercises.ipynb").read_text(encoding="utf-8")
    labels = set()
    for path in NOTEBOOKS:
        if path.parent.name == "chapters":
            for cell in load(path)["cells"]:
                if cell["cell_type"] == "markdown":
                    src = "".join(cell["source"])
                    for block in re.findall(r"\{exercise\}[^\n]*\n:label:\s*(\S+)", src):
                        labels.add(block)
    missing = sorted(label for label in labels if f"<{label}>" not in index)
    assert not missing, f"exercise index is stale (run make notebooks NB=appendix/exercises.ipynb): {missing}"


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in chapters/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_code_cell_was_executed_in_order(path):
    cells = code_cells(load(path))
    counts = [c.get("execution_count") for c in cells]
    missing = [i for i, n in enumerate(counts) if n is None]
    assert not missing, (f"{path.name}: code cells {missing} have no stored execution; "
                         f"run `make notebooks NB={path.relative_to(ROOT)}`")
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(counts)}: "
        "the notebook was not run top to bottom in one fresh kernel (make notebooks)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_errors_stored(path):
    for c in code_cells(load(path)):
        for out in c.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: a stored output is an error: {out.get('ename')}"
            if out["output_type"] == "stream" and out["name"] == "stderr":
                text = "".join(out["text"])
                assert "Warning" not in text, f"{path.name}: a warning was stored: {text[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_seeded_randomness_only(path):
    src = "\n".join("".join(c["source"]) for c in code_cells(load(path)))
    assert not re.search(r"np\.random\.(rand|randn|random|normal|uniform|choice|seed)\(", src), (
        f"{path.name}: use a seeded np.random.default_rng(seed), not the global NumPy RNG")
    assert "default_rng()" not in src, f"{path.name}: default_rng() needs a seed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_private_sys_path_hacks(path):
    src = "\n".join("".join(c["source"]) for c in code_cells(load(path)))
    assert "sys.path" not in src, f"{path.name}: import lstm_core as installed (-e .), no sys.path edits"


def test_every_notebook_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r"file:\s*((?:chapters|appendix)/[\w.-]+)", toc))
    missing = [f"{p.parent.name}/{p.stem}" for p in NOTEBOOKS if f"{p.parent.name}/{p.stem}" not in listed]
    assert not missing, f"notebooks missing from _toc.yml: {missing}"
