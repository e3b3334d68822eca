"""Character-level language model (lstm_core.charlm, Chapter 17): gradients, truncated BPTT,
sampling, bad input."""
import dataclasses

import numpy as np
import pytest

from lstm_core import charlm, gradcheck
from lstm_core.losses import softmax_cross_entropy
from lstm_core.lstm import LSTMState, lstm_forward
from lstm_core.models import ModelParams
from lstm_core.optim import Adam
from lstm_core.train import train

TEXT = "the cat sat on the mat. the rat ate the hat.\n"


def _random_model(rng, K, H, config="vanilla"):
    p = charlm.charlm_init(K, H, rng, config=config)
    p.core.b[:] = rng.normal(size=p.core.b.shape)       # non-zero biases everywhere
    p.out.b[:] = rng.normal(size=p.out.b.shape)
    return p


def _fd_errors(p, inp, tgt, s0):
    E, g, _ = charlm.charlm_loss_and_grads(p, inp, tgt, s0)
    f = lambda: charlm.charlm_loss_and_grads(p, inp, tgt, s0)[0]  # noqa: E731
    errs = {f"core.{k}": v for k, v in gradcheck.check_gradients(f, p.core, g.core).items()}
    errs.update({f"out.{k}": v for k, v in gradcheck.check_gradients(f, p.out, g.out).items()})
    return errs


@pytest.mark.equations("eq-app-delta", compares="finite differences of the cross-entropy per character")
@pytest.mark.parametrize("K,H,T,B,config", [(4, 3, 5, 2, "vanilla"), (3, 1, 1, 1, "vanilla"),
                                            (5, 2, 3, 1, "NP"), (2, 4, 2, 3, "CIFG")])
def test_gradient_matches_finite_differences(K, H, T, B, config):
    rng = np.random.default_rng(K * 100 + H * 10 + T)
    p = _random_model(rng, K, H, config)
    inp, tgt = rng.integers(0, K, (T, B)), rng.integers(0, K, (T, B))
    s0 = LSTMState(y=0.5 * rng.normal(size=(B, H)), c=rng.normal(size=(B, H)))
    errs = _fd_errors(p, inp, tgt, s0)
    assert set(errs) >= {"core.W", "core.R", "core.b", "out.W", "out.b"}
    assert gradcheck.max_error(errs) < 1e-6, errs


def test_initial_state_gradient_matches_finite_differences():
    rng = np.random.default_rng(11)
    K, H, T, B = 4, 3, 3, 2
    p = _random_model(rng, K, H)
    inp, tgt = rng.integers(0, K, (T, B)), rng.integers(0, K, (T, B))
    s0 = LSTMState(y=0.5 * rng.normal(size=(B, H)), c=rng.normal(size=(B, H)))
    net, cache, _ = charlm.charlm_forward(p, inp, s0)
    _, dnet = softmax_cross_entropy(net, tgt)
    _, dstate0 = charlm.charlm_backward(p, cache, dnet)
    f = lambda: softmax_cross_entropy(charlm.charlm_forward(p, inp, s0)[0], tgt).loss  # noqa: E731
    for name in ("y", "c"):
        num = gradcheck.numerical_gradient(f, getattr(s0, name))
        assert gradcheck.relative_error(getattr(dstate0, name), num) < 1e-6, name


@pytest.mark.equations("eq-app-loss", "eq-app-readout",
                        compares="another implementation: the mean of −log softmax at the targets")
def test_loss_is_mean_cross_entropy_per_character():
    rng = np.random.default_rng(1)
    p = _random_model(rng, 4, 3)
    inp, tgt = rng.integers(0, 4, (6, 2)), rng.integers(0, 4, (6, 2))
    E, _, _ = charlm.charlm_loss_and_grads(p, inp, tgt)
    net, _, _ = charlm.charlm_forward(p, inp)
    logp = net - np.log(np.exp(net).sum(-1, keepdims=True))
    expected = -np.take_along_axis(logp, tgt[..., None], -1).mean()
    assert E == pytest.approx(expected, rel=1e-12)


def test_carried_state_equals_one_long_pass():
    rng = np.random.default_rng(2)
    p = _random_model(rng, 5, 4)
    ids = rng.integers(0, 5, (12, 2))
    net_full, _, s_full = charlm.charlm_forward(p, ids)
    net_a, _, s_a = charlm.charlm_forward(p, ids[:5])
    net_b, _, s_b = charlm.charlm_forward(p, ids[5:], s_a)
    np.testing.assert_allclose(np.concatenate([net_a, net_b]), net_full, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(s_b.c, s_full.c, rtol=1e-12)
    # charlm_loss reads in chunks, carrying the state: same number for any chunk size
    text = rng.integers(0, 5, 40)
    whole = charlm.charlm_loss(p, text, chunk=100)
    assert charlm.charlm_loss(p, text, chunk=7) == pytest.approx(whole, rel=1e-12)


def test_final_state_is_a_copy():
    rng = np.random.default_rng(3)
    p = _random_model(rng, 3, 2)
    _, cache, s = charlm.charlm_forward(p, rng.integers(0, 3, (4, 1)))
    cache.lstm.c[-1] += 1.0
    assert not np.allclose(s.c, cache.lstm.c[-1])


def test_final_state_of_fgr_holds_the_gates():
    rng = np.random.default_rng(4)
    p = charlm.charlm_init(3, 2, rng, config="FGR")
    ids = rng.integers(0, 3, (6, 2))
    _, _, s_full = charlm.charlm_forward(p, ids)
    _, _, s_a = charlm.charlm_forward(p, ids[:3])
    _, _, s_b = charlm.charlm_forward(p, ids[3:], s_a)
    assert s_a.gates is not None
    np.testing.assert_allclose(s_b.y, s_full.y, rtol=1e-12)


def test_text_streams_and_truncated_bptt_walk_the_text():
    vocab = charlm.Vocabulary.from_text(TEXT)
    ids = vocab.encode(TEXT)
    streams = charlm.text_streams(ids, 3)
    L = len(ids) // 3
    assert streams.shape == (L, 3)
    assert vocab.decode(streams[:, 1]) == TEXT[L:2 * L]
    tb = charlm.TruncatedBPTT(streams, 5)
    p = charlm.charlm_init(vocab.size, 4, 0)
    positions, epochs = [], []
    for _ in range(4):
        tb(p)
        positions.append(tb.position)
        epochs.append(tb.epochs)
    # L = 15 characters per stream: chunks start at 0 and 5 (the targets of a chunk at 10
    # would run past the end), then the next epoch starts over with a zero state
    assert L == 15
    assert positions == [5, 10, 5, 10] and epochs == [0, 0, 1, 1]
    assert tb.state is not None


def test_training_lowers_the_loss():
    vocab = charlm.Vocabulary.from_text(TEXT * 4)
    ids = vocab.encode(TEXT * 4)
    p = charlm.charlm_init(vocab.size, 16, 0)
    before = charlm.charlm_loss(p, ids)
    hist = train(charlm.TruncatedBPTT(charlm.text_streams(ids, 4), 10), p, Adam(lr=0.02),
                 steps=60, clip_norm=5.0)
    after = charlm.charlm_loss(p, ids)
    assert before > np.log(vocab.size) * 0.9
    assert after < 0.6 * before
    assert hist.losses[-10:].mean() < hist.losses[:10].mean()


def test_vocabulary_round_trip_and_one_hot():
    vocab = charlm.Vocabulary.from_text(TEXT)
    assert vocab.chars == "".join(sorted(set(TEXT)))
    ids = vocab.encode("the mat")
    assert vocab.decode(ids) == "the mat"
    x = vocab.one_hot(ids.reshape(7, 1), np.float32)
    assert x.shape == (7, 1, vocab.size) and x.dtype == np.float32
    np.testing.assert_array_equal(x.argmax(-1)[:, 0], ids)
    assert x.sum() == 7


def test_sampling_is_deterministic_by_seed():
    vocab = charlm.Vocabulary.from_text(TEXT)
    p = _random_model(np.random.default_rng(5), vocab.size, 6)
    a = charlm.sample(p, vocab, 40, np.random.default_rng(7), "the ", temperature=1.0)
    b = charlm.sample(p, vocab, 40, np.random.default_rng(7), "the ", temperature=1.0)
    c = charlm.sample(p, vocab, 40, np.random.default_rng(8), "the ", temperature=1.0)
    assert a == b and len(a) == 40 and set(a) <= set(vocab.chars)
    assert a != c


def test_temperature_zero_is_argmax():
    vocab = charlm.Vocabulary.from_text(TEXT)
    p = _random_model(np.random.default_rng(6), vocab.size, 6)
    greedy = charlm.sample(p, vocab, 30, 0, "the ", temperature=0.0)
    assert greedy == charlm.sample(p, vocab, 30, 123, "the ", temperature=0.0)   # no randomness
    assert charlm.sample(p, vocab, 30, 9, "the ", temperature=1e-6) == greedy      # the limit τ → 0
    # by hand: the first character is the argmax of the readout after the prime
    net, _, _ = charlm.charlm_forward(p, vocab.encode("the ")[:, None])
    assert greedy[0] == vocab.chars[int(np.argmax(net[-1, 0]))]


def test_next_char_probabilities_limits():
    net = np.array([[1.0, 3.0, 2.0], [0.0, -1.0, 0.5]])
    p1 = charlm.next_char_probabilities(net, 1.0)
    np.testing.assert_allclose(p1.sum(-1), 1.0)
    np.testing.assert_allclose(p1[0], np.exp(net[0]) / np.exp(net[0]).sum())
    np.testing.assert_array_equal(charlm.next_char_probabilities(net, 0.0), [[0, 1, 0], [0, 0, 1]])
    np.testing.assert_allclose(charlm.next_char_probabilities(net, 1e-3), [[0, 1, 0], [0, 0, 1]],
                               atol=1e-12)
    np.testing.assert_allclose(charlm.next_char_probabilities(net, 1e6), 1 / 3, atol=1e-5)
    big = charlm.next_char_probabilities(np.array([1e4, 0.0]), 0.01)   # no overflow
    np.testing.assert_allclose(big, [1.0, 0.0])


def test_bits_per_char():
    assert charlm.bits_per_char(np.log(2.0)) == pytest.approx(1.0)
    assert charlm.bits_per_char(0.0) == 0.0


def test_bad_input():
    vocab = charlm.Vocabulary.from_text(TEXT)
    p = charlm.charlm_init(vocab.size, 3, 0)
    K = vocab.size
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("THE")
    with pytest.raises(TypeError, match="expected a str"):
        vocab.encode(b"the")
    with pytest.raises(ValueError, match="each character once"):
        charlm.Vocabulary("aab")
    with pytest.raises(ValueError, match="non-empty"):
        charlm.Vocabulary.from_text("")
    with pytest.raises(TypeError, match="integer array of character ids"):
        charlm.charlm_forward(p, np.zeros((3, 1)))
    with pytest.raises(ValueError, match="expected 2 dimensions"):
        charlm.charlm_forward(p, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"ids in \[0, "):
        charlm.charlm_forward(p, np.full((3, 1), K))
    with pytest.raises(ValueError, match=r"ids in \[0, "):
        charlm.charlm_forward(p, np.full((3, 1), -1))
    with pytest.raises(ValueError, match="one per input"):
        charlm.charlm_loss_and_grads(p, np.zeros((3, 2), int), np.zeros((3, 1), int))
    with pytest.raises(ValueError, match=r"state0.y: expected shape"):
        charlm.charlm_forward(p, np.zeros((3, 2), int),
                              LSTMState(y=np.zeros((1, 3)), c=np.zeros((1, 3))))
    with pytest.raises(TypeError, match="ModelParams"):
        charlm.charlm_forward(p.core, np.zeros((3, 1), int))
    bad = ModelParams(core=charlm.charlm_init(K + 1, 3, 0).core, out=p.out)
    with pytest.raises(ValueError, match="vocabulary size"):
        charlm.charlm_forward(bad, np.zeros((3, 1), int))
    squashed = ModelParams(core=p.core, out=dataclasses.replace(p.out, activation="logistic"))
    with pytest.raises(ValueError, match="linear output units"):
        charlm.charlm_forward(squashed, np.zeros((3, 1), int))
    with pytest.raises(ValueError, match="temperature"):
        charlm.sample(p, vocab, 5, 0, "the", temperature=-1.0)
    with pytest.raises(ValueError, match="temperature"):
        charlm.next_char_probabilities(np.zeros(3), float("nan"))
    with pytest.raises(ValueError, match="prime"):
        charlm.sample(p, vocab, 5, 0, "")
    with pytest.raises(ValueError, match="n: expected an integer >= 1"):
        charlm.sample(p, vocab, 0, 0, "the")
    with pytest.raises(ValueError, match="expected 9 characters|characters \\(the model"):
        charlm.sample(p, charlm.Vocabulary("ab"), 5, 0, "a")
    with pytest.raises(TypeError, match="rng"):
        charlm.sample(p, vocab, 5, None, "the")
    with pytest.raises(ValueError, match="finite"):
        charlm.next_char_probabilities(np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match="shorter than 2"):
        charlm.text_streams(np.arange(5), 3)
    with pytest.raises(ValueError, match="batch_size: expected an integer >= 1"):
        charlm.text_streams(np.arange(5), -2)
    with pytest.raises(ValueError, match="seq_len: expected at most"):
        charlm.TruncatedBPTT(charlm.text_streams(np.arange(10), 2), 5)
    with pytest.raises(ValueError, match="at least 2 characters"):
        charlm.charlm_loss(p, np.array([1]))
    with pytest.raises(ValueError, match="loss_nats"):
        charlm.bits_per_char(-1.0)
    with pytest.raises(TypeError, match="dtype"):
        vocab.one_hot(np.array([0, 1]), np.int32)
    with pytest.raises(ValueError, match="vocab_size: expected an integer >= 1"):
        charlm.charlm_init(0, 3, 0)


def test_float32_model_runs_in_float32():
    vocab = charlm.Vocabulary.from_text(TEXT)
    p = charlm.charlm_init(vocab.size, 4, 0, dtype=np.float32)
    E, g, s = charlm.charlm_loss_and_grads(p, vocab.encode("the ca")[:, None],
                                           vocab.encode("he cat")[:, None])
    assert g.core.W.dtype == np.float32 and g.out.W.dtype == np.float32 and s.c.dtype == np.float32
    assert np.isfinite(E)
    # the same net as the LSTM layer alone followed by the readout
    x = vocab.one_hot(vocab.encode("the")[:, None], np.float32)
    h, _ = lstm_forward(p.core, x)
    net, _, _ = charlm.charlm_forward(p, vocab.encode("the")[:, None])
    np.testing.assert_allclose(net, h @ p.out.W.T + p.out.b, rtol=1e-5)
