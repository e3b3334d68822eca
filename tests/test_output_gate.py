"""Tests for lstm_core.output_gate (Chapter 8's output-gate experiment): the network has the
described shape and initialisation, a short trial returns a complete record, and bad input is
refused with a message naming the argument."""
import numpy as np
import pytest

from lstm_core.output_gate import output_gate_network, output_gate_trial


def test_network_with_and_without_output_gates():
    with_gate = output_gate_network(True, seed=0)
    without = output_gate_network(False, seed=0)
    assert with_gate.core.config.output_gate and not without.core.config.output_gate
    assert not with_gate.core.config.forget_gate
    assert with_gate.core.n_cells == without.core.n_cells == 8
    assert with_gate.out.V is None                       # output units see only the cells
    lay = with_gate.core.config.layout(8)
    assert np.array_equal(with_gate.core.b[lay["o"]], [-1.0, -2.0, -3.0, -4.0])
    assert np.abs(without.core.W).max() <= 0.2
    assert without.n_weights < with_gate.n_weights


@pytest.mark.parametrize("gradient", ["truncated", "full"])
def test_short_trial_record(gradient):
    r = output_gate_trial(False, seed=1, gradient=gradient, max_sequences=60, eval_every=20, n_test=16)
    assert r["gradient"] == gradient and r["output_gate"] is False and r["seed"] == 1
    assert r["sequences"] == 60 and not r["solved"]      # far too short to learn the task
    assert r["curve_sequences"] == [20, 40, 60]
    assert len(r["curve_correct"]) == 3 and 0.0 <= r["test_correct"] <= 1.0
    again = output_gate_trial(False, seed=1, gradient=gradient, max_sequences=60, eval_every=20, n_test=16)
    assert again["curve_correct"] == r["curve_correct"]    # seeded: the same trial twice


def test_bad_input():
    with pytest.raises(ValueError, match="gradient"):
        output_gate_trial(True, 0, gradient="bptt")
    with pytest.raises(TypeError, match="output_gate"):
        output_gate_network(1, 0)
    with pytest.raises(ValueError, match="seed"):
        output_gate_trial(True, -1)
    with pytest.raises(ValueError, match="max_sequences"):
        output_gate_trial(True, 0, max_sequences=0)
    with pytest.raises(ValueError, match="lr"):
        output_gate_trial(True, 0, lr=-0.5)
    with pytest.raises(TypeError, match="n_blocks"):
        output_gate_network(True, 0, n_blocks=2.5)
