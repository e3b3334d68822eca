"""Tests for lstm_core.tasks: layout, determinism, task semantics, criteria, bad input."""
import numpy as np
import pytest

from lstm_core import tasks
from lstm_core.checks.tasks import check_legal_next, check_reber_recogniser
from lstm_core.tasks import reber

# every sequence generator with small arguments (rng and dtype are added by the tests)
GENERATORS = {
    "reber": (tasks.reber_batch, dict(batch_size=6, embedded=False)),
    "embedded_reber": (tasks.reber_batch, dict(batch_size=6)),
    "continual_reber": (tasks.continual_reber_stream, dict(length=120, batch_size=3)),
    "long_lag": (tasks.noise_free_long_lag, dict(batch_size=5, p=7)),
    "long_lag_p1": (tasks.noise_free_long_lag, dict(batch_size=3, p=1)),
    "adding": (tasks.adding_problem, dict(batch_size=8, T=40)),
    "adding_fixed": (tasks.adding_problem, dict(batch_size=4, T=2, variable_length=False)),
    "multiplication": (tasks.multiplication_problem, dict(batch_size=8, T=40)),
    "temporal_order": (tasks.temporal_order, dict(batch_size=6, T=30)),
    "temporal_order_3": (tasks.temporal_order, dict(batch_size=6, n_relevant=3, T=10)),
    "running_parity": (tasks.parity, dict(batch_size=4, T=9)),
    "final_parity": (tasks.parity, dict(batch_size=4, T=1, running=False)),
    "copy": (tasks.copy_task, dict(batch_size=4, n_symbols=3, length=4, delay=0)),
    "spike_delay": (tasks.spike_delay, dict(batch_size=4, delay=3, T=20, n_cues=3)),
    "spike_interval": (tasks.spike_interval, dict(batch_size=6, intervals=(4, 5, 7), max_onset=3)),
    "future_symbol": (tasks.future_symbol, dict(batch_size=4, T=8, shift=3)),
    "past_symbol": (tasks.future_symbol, dict(batch_size=4, T=8, shift=-2)),
}


def make(name, rng=0, dtype=np.float64):
    fn, kw = GENERATORS[name]
    return fn(rng, dtype=dtype, **kw)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layout_dtype_and_mask(name, dtype):
    b = make(name, dtype=dtype)
    T, B = b.x.shape[:2]
    assert b.x.ndim == 3 and b.t.shape[:2] == (T, B) and b.mask.shape == (T, B, 1)
    assert b.x.dtype == b.t.dtype == b.mask.dtype == np.dtype(dtype)
    assert b.lengths.shape == (B,) and b.lengths.max() == T and b.lengths.min() >= 1
    assert set(np.unique(b.mask)) <= {0.0, 1.0} and np.all(b.mask.sum(axis=0) >= 1)
    # nothing scored or fed after a sequence's end, no target where nothing is scored
    pad = np.arange(T)[:, None] >= b.lengths[None, :]
    assert not np.any(b.mask[pad]) and not np.any(b.x[pad])
    assert not np.any(b.t[b.mask[..., 0] == 0])
    assert np.all(np.isfinite(b.x)) and np.all(np.isfinite(b.t))


@pytest.mark.parametrize("name", GENERATORS)
def test_deterministic_by_seed(name):
    a, b = make(name, rng=3), make(name, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.t, b.t)
    np.testing.assert_array_equal(a.mask, b.mask)
    others = [make(name, rng=s) for s in (4, 5, 6)]
    assert any(o.x.shape != a.x.shape or not np.array_equal(o.x, a.x) for o in others)


@pytest.mark.parametrize("name", GENERATORS)
def test_criterion_true_on_targets_false_on_wrong_outputs(name):
    b = make(name)
    assert b.correct(b.t).dtype == bool and b.correct(b.t).shape == (b.B,)
    assert b.correct(b.t).all()
    if b.t.shape[2] > 1:
        wrong = np.where(b.mask > 0, 1.0 - b.t, b.t)
    else:
        wrong = b.t + np.where(b.t > 0.5, -0.75, 0.75)
    assert not b.correct(wrong).any()
    # a diverged network is wrong even where NaN would compare as "below threshold"
    nan = b.t.copy()
    nan[b.mask[..., 0] > 0] = np.nan
    assert not b.correct(nan).any()
    # outputs at unscored steps do not matter
    noisy = np.where(b.mask > 0, b.t, 7.0)
    assert b.correct(noisy).all()


@pytest.mark.parametrize("name", ["adding", "multiplication", "spike_delay", "copy"])
def test_criterion_rejects_bad_outputs(name):
    b = make(name)
    with pytest.raises(ValueError, match=r"y: expected shape"):
        b.correct(b.t[:-1])
    with pytest.raises(TypeError, match="float32 or float64"):
        b.correct(b.t.astype(int))
    with pytest.raises(TypeError, match="batch: expected a TaskBatch"):
        tasks.argmax_correct(b.t, "batch")


# --- Reber grammar ---------------------------------------------------------------------------

REBER_YES = ["BTSSXXTVVE", "BPVVE", "BTXXVPSE", "BPVPXVPXVPXVVE", "BTSXXVPSE", "BTXSE"]
REBER_NO = ["BTSSPXSE", "BPTVVB", "BTXXVVSE", "BPVSPSE", "BTSSSE", "", "B", "BTXSEE", "TXSE"]


def test_reber_recogniser_on_known_strings():
    assert all(tasks.is_reber(s) for s in REBER_YES)
    assert not any(tasks.is_reber(s) for s in REBER_NO)
    assert all(tasks.is_reber("B" + c + s + c + "E", embedded=True)
               for s in REBER_YES for c in "TP")
    assert not tasks.is_reber("BT" + REBER_YES[0] + "PE", embedded=True)
    assert not tasks.is_reber(REBER_YES[0], embedded=True)


@pytest.mark.parametrize("embedded", [False, True])
def test_generated_strings_are_grammatical(embedded):
    strings = tasks.reber_strings(1, 300, embedded)
    assert all(tasks.is_reber(s, embedded) for s in strings)
    assert len(set(strings)) > 50                          # the grammar branches
    if embedded:
        assert all(s[1] == s[-2] for s in strings)
        assert {s[1] for s in strings} == {"T", "P"}


def test_legal_next_on_known_prefixes():
    ln = tasks.legal_next
    assert ln("") == {"B"} and ln("B") == {"T", "P"} and ln("BT") == {"S", "X"}
    assert ln("BTS") == {"S", "X"} and ln("BTX") == {"X", "S"} and ln("BP") == {"T", "V"}
    assert ln("BPV") == {"P", "V"} and ln("BTXS") == {"E"} and ln("BTXSE") == set()
    assert ln("B", embedded=True) == {"T", "P"} and ln("BT", embedded=True) == {"B"}
    assert ln("BTB", embedded=True) == {"T", "P"}
    assert ln("BTBTXSE", embedded=True) == {"T"} and ln("BPBTXSE", embedded=True) == {"P"}
    assert ln("BPBTXSEP", embedded=True) == {"E"}
    assert ln("BPBTXSEPE", embedded=True) == set()
    assert ln("BPBTXSEPE", embedded=True, continual=True) == {"B"}
    with pytest.raises(ValueError, match="not a legal prefix"):
        ln("BTV")
    with pytest.raises(ValueError, match="only the symbols"):
        ln("BTQ")
    with pytest.raises(TypeError, match="expected a string"):
        tasks.is_reber(["B"])


@pytest.mark.parametrize("embedded", [False, True])
def test_reber_batch_encodes_inputs_and_legal_next_targets(embedded):
    b = tasks.reber_batch(2, 20, embedded=embedded)
    for k, s in enumerate(b.info["strings"]):
        L = len(s) - 1
        assert b.lengths[k] == L
        assert "".join(tasks.REBER_SYMBOLS[i] for i in b.x[:L, k].argmax(-1)) == s[:-1]
        for step in range(L):
            target = {tasks.REBER_SYMBOLS[i] for i in np.flatnonzero(b.t[step, k])}
            assert target == tasks.legal_next(s[: step + 1], embedded)
        if embedded:   # the one hard step: target is the remembered outer letter
            (hard,) = np.flatnonzero(b.info["hard"][:, k])
            assert hard == L - 2 and b.t[hard, k].argmax() == tasks.REBER_SYMBOLS.index(s[1])


def test_reber_rules_threshold_and_most_active():
    b = tasks.encode_reber(["BTBPVVETE", "BPBTXSEPE"])
    # legal outputs 0.4, others 0.1: the most active ones, but none above 0.5
    y = np.where(b.t > 0.5, 0.4, 0.1)
    assert not tasks.reber_correct(y, b).any()
    assert tasks.reber_correct(y, b, rule="most_active").all()
    # a tie between a legal and an illegal symbol is not "most active"
    assert not tasks.reber_correct(np.full_like(y, 0.5), b, rule="most_active").any()
    # one mistake at the hard step of string 0 only
    y = b.t.copy()
    h = np.flatnonzero(b.info["hard"][:, 0])[0]
    y[h, 0] = y[h, 0, [0, 2, 1, 3, 4, 5, 6]]                 # predicts P instead of T
    np.testing.assert_array_equal(tasks.reber_correct(y, b), [False, True])
    np.testing.assert_array_equal(tasks.reber_correct(y, b, "most_active"), [False, True])
    with pytest.raises(ValueError, match="rule"):
        tasks.reber_correct(y, b, rule="majority")


def test_encode_reber_rejects_bad_strings():
    with pytest.raises(ValueError, match="not a complete embedded Reber string"):
        tasks.encode_reber(["BTSSXXTVVE"])
    with pytest.raises(ValueError, match="at least one"):
        tasks.encode_reber([])
    with pytest.raises(TypeError, match="list of strings"):
        tasks.encode_reber("BTBTXSETE")
    with pytest.raises(ValueError, match="only the symbols"):
        tasks.encode_reber(["BTBTXSETA"])


def test_continual_stream_is_concatenated_embedded_strings():
    b = tasks.continual_reber_stream(5, length=400, batch_size=2)
    for k, stream in enumerate(b.info["symbols"]):
        assert len(stream) == 401
        starts = np.flatnonzero(b.info["string_start"][:, k])
        assert starts[0] == 0 and all(stream[i] == "B" and (i == 0 or stream[i - 1] == "E")
                                      for i in starts)
        pieces = [stream[i:j] for i, j in zip(starts[:-1], starts[1:])]
        assert len(pieces) > 10 and all(tasks.is_reber(p, embedded=True) for p in pieces)
        for step in (0, 17, 100, 399):
            target = {tasks.REBER_SYMBOLS[i] for i in np.flatnonzero(b.t[step, k])}
            assert target == tasks.legal_next(stream[: step + 1], True, continual=True)
            assert target == {stream[step + 1]} | target    # the next symbol is always legal
        for step in np.flatnonzero(b.info["hard"][:, k]):
            assert stream[step] == "E" and stream[step + 1] in "TP"


def test_symbols_before_first_error():
    b = tasks.continual_reber_stream(0, length=300, batch_size=3)
    y = b.t.copy()
    y[57, 1] = 1.0 - y[57, 1]
    y[200, 2, 0] = np.nan
    y[250, 2] = 1.0 - y[250, 2]
    np.testing.assert_array_equal(tasks.continual_reber_symbols_before_error(y, b), [300, 57, 200])
    np.testing.assert_array_equal(tasks.continual_reber_solved(y, b, n_required=100),
                                  [True, False, True])
    np.testing.assert_array_equal(b.correct(y), [True, False, False])
    with pytest.raises(ValueError, match="only T = 300"):
        tasks.continual_reber_solved(y, b)


# --- Long lags, adding, multiplication, temporal order -----------------------------------------

def test_noise_free_long_lag_sequences():
    p = 6
    b = tasks.noise_free_long_lag(1, 50, p)
    inp, tgt = b.x.argmax(-1), b.t.argmax(-1)
    assert set(b.info["first"]) == {p - 1, p}                   # x and y both occur
    np.testing.assert_array_equal(inp[0], b.info["first"])
    np.testing.assert_array_equal(tgt[-1], b.info["first"])      # the hard, remembered target
    np.testing.assert_array_equal(inp[1:], np.arange(p - 1)[:, None].repeat(50, 1))
    np.testing.assert_array_equal(tgt[:-1], inp[1:])             # predict the next symbol


def test_long_lag_criterion_tolerance_and_final_only():
    b = tasks.noise_free_long_lag(0, 4, 5)
    y = b.t.copy()
    y[-1] += 0.24 * np.sign(0.5 - b.t[-1])
    assert tasks.long_lag_correct(y, b).all()
    y[-1, 0, 0] = b.t[-1, 0, 0] + 0.26
    np.testing.assert_array_equal(tasks.long_lag_correct(y, b), [False, True, True, True])
    early = b.t.copy()
    early[0] = 1.0 - early[0]                                    # wrong on an easy step only
    assert tasks.long_lag_correct(early, b).all()
    assert not tasks.long_lag_correct(early, b, final_only=False).any()
    swap = b.t.copy()
    swap[-1] = swap[-1][:, ::-1]                                 # x <-> y: wrong by argmax too
    assert not tasks.long_lag_correct(swap, b, rule="argmax").any()


@pytest.mark.parametrize("T", [2, 3, 10, 100])
def test_adding_problem_follows_the_1997_definition(T):
    b = tasks.adding_problem(T, 400, T=T)
    B = np.arange(400)
    values, markers = b.x[..., 0], b.x[..., 1]
    assert np.all((b.lengths >= T) & (b.lengths <= T + T // 10))
    assert np.all((markers == 1).sum(0) == 2)
    assert np.all(np.abs(values) <= 1)
    marked = markers == 1
    assert np.all(marked[0] | (markers[0] == -1))
    assert np.all(marked[b.lengths - 1, B] | (markers[b.lengths - 1, B] == -1))
    assert np.all(b.info["idx1"] < 10) and np.all(b.info["idx2"] < max(T // 2, 2))
    X = (values * marked).sum(0)
    np.testing.assert_allclose(b.t[b.lengths - 1, B, 0], 0.5 + X / 4)
    np.testing.assert_allclose(X, b.info["X1"] + b.info["X2"])
    assert np.all(values[0][marked[0]] == 0)                     # first pair marked -> X1 = 0
    assert np.all((b.t[b.mask > 0] >= 0) & (b.t[b.mask > 0] <= 1))


def test_adding_and_multiplication_criterion_threshold_004():
    b = tasks.adding_problem(0, 3, T=20)
    sign = np.array([1.0, -1.0, 1.0])[None, :, None]
    assert tasks.adding_correct(b.t + 0.039 * sign * b.mask, b).all()
    assert not tasks.adding_correct(b.t + 0.041 * sign * b.mask, b).any()
    m = tasks.multiplication_problem(0, 3, T=20)
    assert tasks.multiplication_correct(m.t + 0.039 * sign * m.mask, m).all()
    assert not tasks.multiplication_correct(m.t + 0.041 * sign * m.mask, m).any()


def test_multiplication_problem_targets():
    b = tasks.multiplication_problem(2, 300, T=4, variable_length=False)
    values, marked = b.x[..., 0], b.x[..., 1] == 1
    assert np.all(b.lengths == 4) and np.all((values >= 0) & (values <= 1))
    np.testing.assert_allclose(b.t[-1, :, 0], np.prod(np.where(marked, values, 1.0), axis=0))
    assert marked[0].any() and np.all(values[0][marked[0]] == 1.0)  # neutral first pair


@pytest.mark.parametrize("n_relevant", [2, 3])
def test_temporal_order_structure_and_labels(n_relevant):
    b = tasks.temporal_order(4, 200, n_relevant=n_relevant, T=100)
    sym = b.x.argmax(-1)
    B = np.arange(200)
    assert np.all(sym[0] == 0) and np.all(sym[b.lengths - 1, B] == 1)   # E ... B
    assert np.all((b.lengths >= 100) & (b.lengths <= 110))
    relevant = sym >= 6
    assert np.all(relevant.sum(0) == n_relevant)
    windows = [(10, 20), (50, 60)] if n_relevant == 2 else [(10, 20), (33, 43), (66, 76)]
    for (lo, hi), pos in zip(windows, b.info["positions"]):
        assert pos.min() >= lo and pos.max() <= hi
    order = np.array([sym[:, k][relevant[:, k]] - 6 for k in range(200)])   # 0 = X, 1 = Y
    label = order @ (2 ** np.arange(n_relevant - 1, -1, -1))
    np.testing.assert_array_equal(label, b.info["label"])
    np.testing.assert_array_equal(b.t[b.lengths - 1, B].argmax(-1), label)
    assert len(set(label)) == 2 ** n_relevant


def test_temporal_order_criterion_threshold_03():
    b = tasks.temporal_order(0, 3, T=20)
    soft = b.t + 0.29 * np.where(b.t > 0.5, -1, 1) * b.mask
    assert tasks.temporal_order_correct(soft, b).all()
    too_soft = b.t + 0.31 * np.where(b.t > 0.5, -1, 1) * b.mask
    assert not tasks.temporal_order_correct(too_soft, b).any()
    assert tasks.temporal_order_correct(too_soft, b, rule="argmax").all()


# --- Parity, copy, timing, future labels ----------------------------------------------------

def test_parity_targets():
    b = tasks.parity(0, 5, 12)
    np.testing.assert_array_equal(b.t[..., 0], np.cumsum(b.x[..., 0], 0) % 2)
    f = tasks.parity(0, 5, 12, running=False)
    np.testing.assert_array_equal(f.t[-1, :, 0], b.t[-1, :, 0])
    assert f.mask.sum() == 5 and np.all(f.mask[-1] == 1)


def test_copy_task_recalls_the_symbols():
    b = tasks.copy_task(0, 6, n_symbols=5, length=3, delay=4)
    assert b.T == 10 and b.n_in == 6 and b.n_out == 5
    np.testing.assert_array_equal(b.x[:3, :, :5].argmax(-1), b.info["symbols"])
    np.testing.assert_array_equal(b.t[7:].argmax(-1), b.info["symbols"])
    assert not b.x[3:7].any() and np.all(b.x[7:, :, 5] == 1) and not b.x[:7, :, 5].any()
    assert np.all(b.mask[7:] == 1) and not b.mask[:7].any()


def test_spike_delay_targets_and_one_step_late_spike_fails():
    b = tasks.spike_delay(3, 50, delay=5, T=30, n_cues=4)
    cues = b.info["cues"]
    assert np.all(b.x.sum(0) == 4) and np.all(b.t.sum(0) == 4)
    np.testing.assert_array_equal(b.info["spikes"], cues + 5)
    assert np.all(np.diff(cues, axis=0) >= 6)                   # next cue after the last spike
    np.testing.assert_array_equal(np.argwhere(b.x[..., 0] > 0),
                                  np.argwhere(np.roll(b.t[..., 0], -5, axis=0) > 0))
    late = np.roll(b.t, 1, axis=0)
    assert not tasks.spike_timing_correct(late, b).any()
    tight = tasks.spike_delay(0, 10, delay=2, T=9, n_cues=3)    # no slack: cues fixed
    assert np.all(tight.info["cues"] == np.array([[0], [3], [6]]))


def test_spike_interval_labels():
    b = tasks.spike_interval(0, 100, intervals=(49, 50), max_onset=10)
    B = np.arange(100)
    spikes = [np.flatnonzero(b.x[:, k, 0]) for k in range(100)]
    gaps = np.array([s[1] - s[0] for s in spikes])
    np.testing.assert_array_equal(gaps, np.array([49, 50])[b.info["label"]])
    assert b.T == b.lengths.max() <= 61
    assert set(b.info["label"]) == {0, 1} and len(set(b.info["onset"])) > 5
    np.testing.assert_array_equal(b.lengths - 1, [s[1] for s in spikes])
    np.testing.assert_array_equal(b.t[b.lengths - 1, B].argmax(-1), b.info["label"])


@pytest.mark.parametrize("shift", [3, -2, 1])
def test_future_symbol_labels(shift):
    b = tasks.future_symbol(0, 4, T=10, n_symbols=3, shift=shift)
    sym = b.info["symbols"]
    for step in range(10):
        if 0 <= step + shift < 10:
            assert b.mask[step].all()
            np.testing.assert_array_equal(b.t[step].argmax(-1), sym[step + shift])
        else:
            assert not b.mask[step].any()
    assert tasks.framewise_accuracy(b.t, b) == 1.0
    # an output that copies the current input is right only by chance
    big = tasks.future_symbol(1, 200, T=50, n_symbols=4, shift=3)
    acc = tasks.framewise_accuracy(big.x, big)
    assert 0.15 < acc < 0.35


# --- Truth tables ----------------------------------------------------------------------------

def test_truth_tables():
    assert tasks.truth_table("and").t.tolist() == [0, 0, 0, 1]
    assert tasks.truth_table("OR").t.tolist() == [0, 1, 1, 1]
    x = tasks.truth_table("xor", "bipolar", "bipolar", np.float32)
    assert x.x.dtype == np.float32 and x.x.shape == (4, 2) and x.t.tolist() == [-1, 1, 1, -1]
    assert x.correct(x.t).all() and not x.correct(-x.t).any()
    # a linear rule (OR) gets XOR right on three patterns out of four at most
    o = np.sign(x.x @ [1.0, 1.0] + 1.0)
    assert tasks.truth_table_correct(o, x).sum() == 3
    assert not tasks.truth_table_correct([np.nan, 1.0, 1.0, -1.0], x)[0]
    with pytest.raises(ValueError, match="name: expected one of"):
        tasks.truth_table("nand")
    p = tasks.truth_table("and", targets="bipolar")      # perceptron data: x in {0,1}, t = ±1
    assert p.x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and p.t.tolist() == [-1, -1, -1, 1]
    assert p.correct(np.sign(p.x @ [1.0, 1.0] - 1.5)).all()
    assert not p.correct(np.zeros(4))[3]                     # sgn(0) = 0 is not "true"
    with pytest.raises(ValueError, match="inputs: expected"):
        tasks.truth_table("and", "ternary")
    with pytest.raises(ValueError, match="targets: expected"):
        tasks.truth_table("and", targets="onehot")
    with pytest.raises(ValueError, match=r"o: expected shape \(4,\)"):
        tasks.truth_table_correct(np.zeros(3), x)


# --- Bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("call, err, match", [
    (lambda: tasks.reber_batch(None, 3), TypeError, "rng: expected"),
    (lambda: tasks.reber_batch(-1, 3), ValueError, "seed >= 0"),
    (lambda: tasks.reber_batch(0, 0), ValueError, "batch_size: expected an integer >= 1"),
    (lambda: tasks.reber_batch(0, 3, dtype=np.int32), TypeError, "dtype: expected float32"),
    (lambda: tasks.adding_problem(0, 3, T=1), ValueError, "T: expected an integer >= 2"),
    (lambda: tasks.adding_problem(0, 3, T=-5), ValueError, "T: expected"),
    (lambda: tasks.multiplication_problem(0, 3, T=10.0), TypeError, "T: expected an integer"),
    (lambda: tasks.adding_problem(0, -2), ValueError, "batch_size"),
    (lambda: tasks.noise_free_long_lag(0, 3, p=0), ValueError, "p: expected an integer >= 1"),
    (lambda: tasks.temporal_order(0, 3, n_relevant=4), ValueError, "n_relevant"),
    (lambda: tasks.temporal_order(0, 3, T=9), ValueError, "T: expected an integer >= 10"),
    (lambda: tasks.parity(0, 3, T=0), ValueError, "T: expected"),
    (lambda: tasks.copy_task(0, 3, delay=-1), ValueError, "delay: expected an integer >= 0"),
    (lambda: tasks.copy_task(0, 3, n_symbols=1), ValueError, "n_symbols"),
    (lambda: tasks.spike_delay(0, 3, delay=0, T=10), ValueError, "delay"),
    (lambda: tasks.spike_delay(0, 3, delay=4, T=9, n_cues=2), ValueError, "need T >= 10"),
    (lambda: tasks.spike_interval(0, 3, intervals=(50, 50)), ValueError, "distinct"),
    (lambda: tasks.spike_interval(0, 3, intervals=(0, 5)), ValueError, "intervals"),
    (lambda: tasks.spike_interval(0, 3, intervals=50), TypeError, "intervals"),
    (lambda: tasks.future_symbol(0, 3, T=5, shift=5), ValueError, r"\|shift\| < T"),
    (lambda: tasks.future_symbol(0, 3, T=5, shift=1.5), TypeError, "shift"),
    (lambda: tasks.continual_reber_stream(0, length=0), ValueError, "length"),
    (lambda: tasks.adding_correct(np.zeros((22, 1, 1)), tasks.adding_problem(0, 1, T=20,
                                  variable_length=False)), ValueError, "expected shape"),
    (lambda: tasks.adding_correct(np.zeros((20, 1, 1)), tasks.adding_problem(0, 1, T=20,
                                  variable_length=False), tol=-0.1), ValueError, "tol"),
])
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_batch_repr_and_properties():
    b = make("copy", dtype=np.float32)
    assert (b.T, b.B, b.n_in, b.n_out) == (8, 4, 4, 3)
    assert "copy" in repr(b) and "float32" in repr(b)


# --- Exercise checkers -----------------------------------------------------------------------

def test_checkers_accept_the_reference_and_explain_mistakes():
    assert check_reber_recogniser(tasks.is_reber)
    assert check_reber_recogniser(lambda s: tasks.is_reber(s, True), embedded=True)
    # forgets that the outer letters must agree
    loose = lambda s: len(s) > 4 and s[:2] in ("BT", "BP") and tasks.is_reber(s[2:-2])  # noqa: E731
    r = check_reber_recogniser(loose, embedded=True)
    assert not r and "accepts" in r.message
    r = check_reber_recogniser(lambda s: False)
    assert not r and "rejects" in r.message
    r = check_reber_recogniser(lambda s: s[5] == "E")
    assert not r and "IndexError" in r.message
    r = check_reber_recogniser(lambda s: 1)
    assert not r and "expected True or False" in r.message
    assert check_legal_next(tasks.legal_next)
    assert check_legal_next(lambda p: "".join(tasks.legal_next(p, True)), embedded=True)
    r = check_legal_next(lambda p: tasks.legal_next(p, True))   # embedded answers, plain grammar
    assert not r and "after 'BP' returned ['B'], expected ['T', 'V']" in r.message
    assert not check_legal_next("not a function")
