"""benchmarks/profile_rows.py: a battery row cut to a short budget, its updates counted and timed."""
import importlib.util
import pathlib

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "profile_rows.py"


@pytest.fixture(scope="module")
def profile_rows():
    spec = importlib.util.spec_from_file_location("profile_rows", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("stacks", [1, 2])
def test_counts_every_update_of_every_stack(profile_rows, stacks):
    # hs97-4-T100-b8: 8 sequences per update, so 200 sequences are 25 updates per stack
    r = profile_rows.profile_row("hs97-4-T100-b8", sequences=200, stacks=stacks)
    assert r["trials"] == 10 and r["stacks"] == stacks
    assert r["updates"] == 25 * stacks
    assert r["fwd"] > 0 and r["fwd_bwd"] > 0 and r["total"] > 0


def test_trainer_is_restored(profile_rows):
    from lstm_core import trials as tr
    before = tr.forward
    profile_rows.profile_row("hs97-4-T100-b8", sequences=16)
    assert tr.forward is before


@pytest.mark.parametrize("row", ["hs97-2a-perstep", "hs97-2a-rnn"])
def test_refuses_rows_it_cannot_time(profile_rows, row):
    with pytest.raises(SystemExit, match="only rows trained per sequence"):
        profile_rows.profile_row(row, sequences=16)
