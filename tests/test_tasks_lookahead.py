"""The look-ahead tasks of chapters 13 and 10 (lstm_core.tasks.lookahead, .spike_train)."""
import numpy as np
import pytest

from lstm_core.tasks.lookahead import next_marker, next_marker_correct, next_marker_delay_bound
from lstm_core.tasks.spike_train import spike_train_correct, timed_spike_train


def test_next_marker_labels_by_brute_force():
    b = next_marker(0, 6, 30, n_classes=3, n_noise=2, p_marker=0.15)
    assert b.x.shape == (30, 6, 5) and b.t.shape == (30, 6, 3) and b.mask.shape == (30, 6, 1)
    sym = b.x.argmax(axis=2)
    assert np.all(b.x.sum(axis=2) == 1) and np.all(sym[-1] >= 2)      # last step a marker
    for s in range(6):
        for t in range(30):
            tau = min(k for k in range(t, 30) if sym[k, s] >= 2)
            assert b.info["gap"][t, s] == tau - t
            assert b.t[t, s].argmax() == sym[tau, s] - 2 == b.info["label"][t, s]
    np.testing.assert_array_equal(next_marker(0, 6, 30, 3, 2, 0.15).x, b.x)     # seeded
    assert next_marker(0, 2, 5, dtype=np.float32).x.dtype == np.float32


def _delay_bound_by_scanning(b, n_noise, n_classes, D):
    """A_max(D) frame by frame from the input symbols alone (not info["gap"]): a frame counts 1
    if a marker is among the inputs t … t + D a delayed net has read, else 1/C (a guess)."""
    sym = b.x.argmax(axis=2)
    T, B = sym.shape
    score = [1.0 if any(sym[k, s] >= n_noise for k in range(t, min(t + D + 1, T))) else 1.0 / n_classes
             for s in range(B) for t in range(T)]
    return sum(score) / len(score)


@pytest.mark.equations("eq-blstm-delay-bound",
                        compares="another implementation: Pr(gap ≤ D) + Pr(gap > D) / C counted frame "
                                 "by frame from the input symbols, every D from 0 to T, C = 2 and 3")
def test_next_marker_criterion_and_bound():
    b = next_marker(1, 50, 20, p_marker=0.1)
    assert next_marker_correct(b.t, b).all()
    wrong = b.t.copy()
    wrong[3, 0] = wrong[3, 0, ::-1]
    assert not next_marker_correct(wrong, b)[0] and next_marker_correct(wrong, b)[1:].all()
    gap = b.info["gap"]
    assert next_marker_delay_bound(b, 0) == pytest.approx(np.mean((gap == 0) + (gap > 0) / 2))
    bounds = [next_marker_delay_bound(b, d) for d in range(0, 21)]
    assert np.all(np.diff(bounds) >= 0) and bounds[-1] == 1.0 and bounds[0] < 1.0
    for batch, n_noise, n_classes in [(b, 2, 2), (next_marker(2, 20, 15, n_classes=3, n_noise=3, p_marker=0.2), 3, 3)]:
        for D in range(batch.T + 1):
            assert next_marker_delay_bound(batch, D) == pytest.approx(
                _delay_bound_by_scanning(batch, n_noise, n_classes, D), abs=1e-12)


def test_next_marker_bad_input():
    with pytest.raises(ValueError, match="n_classes"):
        next_marker(0, 2, 10, n_classes=1)
    with pytest.raises(ValueError, match="p_marker"):
        next_marker(0, 2, 10, p_marker=1.5)
    with pytest.raises(ValueError, match="T"):
        next_marker(0, 2, 0)
    with pytest.raises(TypeError, match="batch"):
        next_marker_delay_bound(timed_spike_train(0, 2), 3)
    with pytest.raises(ValueError, match="delay"):
        next_marker_delay_bound(next_marker(0, 2, 10), -1)


def test_timed_spike_train():
    b = timed_spike_train(0, 8, period=10, n_spikes=3, max_onset=10)
    assert b.T == 41 and b.x.shape == (41, 8, 1) and b.t.shape == (41, 8, 1)
    for s in range(8):
        cue = b.info["cue"][s]
        assert np.flatnonzero(b.x[:, s, 0]).tolist() == [cue]            # one cue only
        assert np.flatnonzero(b.t[:, s, 0]).tolist() == [cue + 10, cue + 20, cue + 30]
    assert spike_train_correct(b.t, b).all()
    late = np.roll(b.t, 1, axis=0)
    assert not spike_train_correct(late, b).any()


def test_timed_spike_train_bad_input():
    with pytest.raises(ValueError, match="period"):
        timed_spike_train(0, 2, period=0)
    with pytest.raises(ValueError, match="max_onset"):
        timed_spike_train(0, 2, max_onset=-1)
    with pytest.raises(TypeError, match="n_spikes"):
        timed_spike_train(0, 2, n_spikes=2.5)
