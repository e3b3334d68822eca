"""A character-level language model: one LSTM layer and a softmax over characters (Chapter 17).

The model reads a text one character at a time and, after each character, gives a probability
to every character that could come next. With K distinct characters (the vocabulary), the
character at time t is the one-hot input x(t) ∈ {0, 1}^K, and::

    y^c(t)   = LSTM(x(1), …, x(t))                   cell outputs
    net_k(t) = Σ_c w_kc y^c(t) + b_k                 K linear output units
    p_k(t)   = exp(net_k(t)) / Σ_j exp(net_j(t))     softmax: P(next character = k)
    E        = −(1 / TB) Σ_t Σ_b log p_{k(t+1)}(t)   cross-entropy per character, in nats

with the LSTM of :mod:`lstm_core.lstm` and the linear output units of
:func:`lstm_core.models.linear_readout`;
where k(t+1) is the character that really follows. E / ln 2 is the **bits per character**
(:func:`bits_per_char`): a model that knows nothing pays log₂ K bits, large models of English
text get well below 2.

Backward: ∂E/∂net_k(t) = (p_k(t) − [k = k(t+1)]) / TB
(:func:`lstm_core.losses.softmax_cross_entropy`), then the readout's and the LSTM's own
backward passes.

Training on a long text uses **truncated BPTT** (Chapter 5): the text is cut into B parallel
streams (:func:`text_streams`), each stream into chunks of ``seq_len`` characters
(:class:`TruncatedBPTT`); the LSTM state at the end of one chunk is the initial state of the
next, so the model sees context beyond a chunk, but the error is not propagated back across
the chunk boundary.

Sampling (:func:`sample`) feeds the model its own choices, drawing each next character from
the softmax at a **temperature** τ: p_k ∝ exp(net_k / τ) (:func:`next_char_probabilities`).
τ = 1 is the model's distribution, τ < 1 sharpens it, τ → 0 is always the most likely character.

Code conventions as in :mod:`lstm_core`: time-major arrays, character ids (T, B) of integers,
logits (T, B, K); the model's parameters are a :class:`lstm_core.models.ModelParams` with
``core`` an :class:`~lstm_core.lstm.LSTMParams` and ``out`` a
:class:`~lstm_core.readout.ReadoutParams`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from . import _validate as V
from .losses import softmax, softmax_cross_entropy
from .lstm import LSTMCache, LSTMParams, LSTMState, lstm_backward, lstm_forward, lstm_step
from .models import ModelGrads, ModelParams, linear_readout
from .readout import ReadoutCache, ReadoutParams, readout_backward, readout_forward

__all__ = ["Vocabulary", "charlm_init", "CharLMCache", "charlm_forward", "charlm_backward",
           "charlm_loss_and_grads", "final_state", "text_streams", "TruncatedBPTT",
           "charlm_loss", "bits_per_char", "next_char_probabilities", "sample"]


# ---------------------------------------------------------------- characters ↔ ids


@dataclass(frozen=True)
class Vocabulary:
    """The characters a model knows, in sorted order; id k is ``chars[k]`` (Chapter 17).

    Attributes
    ----------
    chars : str
        The distinct characters, sorted, each once.
    """

    chars: str

    def __post_init__(self):
        if not isinstance(self.chars, str) or len(self.chars) == 0:
            raise ValueError("chars: expected a non-empty string of distinct characters, "
                             f"got {self.chars!r}")
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("chars: expected each character once, got repeats")

    @classmethod
    def from_text(cls, text: str) -> "Vocabulary":
        """The vocabulary of all characters that occur in ``text``."""
        if not isinstance(text, str) or not text:
            raise ValueError(f"text: expected a non-empty string, got {type(text).__name__} of length "
                             f"{len(text) if isinstance(text, str) else 'n/a'}")
        return cls("".join(sorted(set(text))))

    @property
    def size(self) -> int:
        """K, the number of characters."""
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """Character ids of ``text``, shape (len(text),), dtype int64."""
        if not isinstance(text, str):
            raise TypeError(f"text: expected a str, got {type(text).__name__}")
        index = {ch: k for k, ch in enumerate(self.chars)}
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise ValueError(f"text: characters {''.join(unknown)!r} are not in the vocabulary")
        return np.fromiter((index[ch] for ch in text), dtype=np.int64, count=len(text))

    def decode(self, ids) -> str:
        """The text of a sequence of character ids."""
        ids = _ids("ids", ids, self.size, ndim=1)
        return "".join(self.chars[k] for k in ids)

    def one_hot(self, ids, dtype=np.float64) -> np.ndarray:
        """One-hot inputs x(t) for ids of any shape: shape ``ids.shape + (K,)``."""
        return _one_hot(_ids("ids", ids, self.size), self.size, V.float_dtype(dtype))


# ---------------------------------------------------------------- the model


def charlm_init(vocab_size: int, n_cells: int, rng, config="vanilla", dtype=np.float64) -> ModelParams:
    """A fresh language model: an LSTM layer over one-hot characters and K softmax outputs.

    Parameters
    ----------
    vocab_size : int
        K, input and output units.
    n_cells : int
        H, memory cells.
    rng : numpy.random.Generator or int seed
    config : LSTMConfig or preset name
        Default ``"vanilla"`` (Greff et al. 2017, Chapter 15).
    dtype : float32 or float64

    Returns
    -------
    ModelParams
        ``core`` (:class:`~lstm_core.lstm.LSTMParams`), ``out``
        (linear output units, :func:`~lstm_core.models.linear_readout`, K × H).
    """
    K = V.positive_int("vocab_size", vocab_size)
    H = V.positive_int("n_cells", n_cells)
    rng = _as_rng(rng)
    core = LSTMParams.init(K, H, config, rng=rng, dtype=dtype)
    return ModelParams(core=core, out=linear_readout(H, K, rng=rng, dtype=dtype))


@dataclass
class CharLMCache:
    """What :func:`charlm_forward` keeps: ``lstm`` the LSTM's cache, ``h`` (T, B, H) the cell
    outputs the readout read, ``out`` the readout's cache."""

    lstm: LSTMCache
    h: np.ndarray
    out: ReadoutCache


def charlm_forward(params: ModelParams, ids, state0: LSTMState | None = None
                   ) -> tuple[np.ndarray, CharLMCache, LSTMState]:
    """Logits net_k(t) of the next character after each input character (Chapter 17).

    Book equations: eq-app-readout

    Parameters
    ----------
    params : ModelParams
        From :func:`charlm_init`.
    ids : int array (T, B)
        Input characters, B streams side by side.
    state0 : LSTMState, optional
        y(0), s_c(0), e.g. the state at the end of the previous chunk; zeros if omitted.

    Returns
    -------
    net : ndarray (T, B, K)
        Logits; ``softmax(net[t])`` is the distribution of the character after ``ids[t]``.
    cache : CharLMCache
    state : LSTMState
        y(T), s_c(T), to carry into the next chunk.
    """
    K = _check_model(params)
    ids = _ids("ids", ids, K, ndim=2)
    x = _one_hot(ids, K, params.core.W.dtype)
    h, cache = lstm_forward(params.core, x, state0)
    net, out_cache = readout_forward(params.out, h)
    return net, CharLMCache(lstm=cache, h=h, out=out_cache), final_state(params.core, cache)


def charlm_backward(params: ModelParams, cache: CharLMCache, dnet,
                    dstate_T: LSTMState | None = None) -> tuple[ModelGrads, LSTMState]:
    """Backward pass of :func:`charlm_forward` (Chapter 17): readout, then full BPTT.

    ∂E/∂w_kc = Σ_t ∂E/∂net_k(t) y^c(t), ∂E/∂y^c(t) = Σ_k w_kc ∂E/∂net_k(t), which is the
    ``dy`` of :func:`lstm_core.lstm.lstm_backward`.

    Parameters
    ----------
    params : ModelParams
    cache : CharLMCache
    dnet : ndarray (T, B, K)
        ∂E/∂net.
    dstate_T : LSTMState, optional
        ∂E/∂y(T), ∂E/∂s_c(T) from beyond the chunk; zeros if omitted (truncated BPTT).

    Returns
    -------
    grads : ModelGrads
    dstate0 : LSTMState
        ∂E/∂y(0), ∂E/∂s_c(0).
    """
    _check_model(params)
    if not isinstance(cache, CharLMCache):
        raise TypeError(f"cache: expected a CharLMCache from charlm_forward, got {type(cache).__name__}")
    dnet = _checks.float_array("dnet", dnet, shape=cache.out.y.shape, dtype=cache.out.y.dtype)
    g_out, dh, _ = readout_backward(params.out, cache.out, dnet)
    g_core, _, dstate0 = lstm_backward(params.core, cache.lstm, dh, dstate_T)
    return ModelGrads(core=g_core, out=g_out), dstate0


def charlm_loss_and_grads(params: ModelParams, inputs, targets, state0: LSTMState | None = None
                          ) -> tuple[float, ModelGrads, LSTMState]:
    """Cross-entropy per character E (nats), ∂E/∂θ, and the final state (Chapter 17).

    E = −(1 / TB) Σ_t Σ_b log softmax(net(t))_{targets[t, b]}.

    Book equations: eq-app-loss, eq-app-delta

    Parameters
    ----------
    params : ModelParams
    inputs : int array (T, B)
        Characters read.
    targets : int array (T, B)
        The character that follows each input (usually ``inputs`` shifted by one).
    state0 : LSTMState, optional

    Returns
    -------
    E : float
    grads : ModelGrads
    state : LSTMState
        y(T), s_c(T) — a plain value: gradients do not flow through it into the next chunk.
    """
    K = _check_model(params)
    inputs = _ids("inputs", inputs, K, ndim=2)
    targets = _ids("targets", targets, K, ndim=2)
    if targets.shape != inputs.shape:
        raise ValueError(f"targets: expected shape {inputs.shape} (one per input), got {targets.shape}")
    net, cache, state = charlm_forward(params, inputs, state0)
    T = inputs.shape[0]
    E, dnet = softmax_cross_entropy(net, targets, mean=True)     # ÷ B
    dnet *= dnet.dtype.type(1.0 / T)                               # ÷ T: per character
    grads, _ = charlm_backward(params, cache, dnet)
    return E / T, grads, state


def final_state(params: LSTMParams, cache: LSTMCache) -> LSTMState:
    """The LSTM state after the last step of a forward pass: y(T), s_c(T) (and, for FGR, the
    gate activations of step T) — copies, so later in-place updates cannot change them."""
    if not isinstance(params, LSTMParams):
        raise TypeError(f"params: expected LSTMParams, got {type(params).__name__}")
    if not isinstance(cache, LSTMCache):
        raise TypeError(f"cache: expected an LSTMCache from lstm_forward, got {type(cache).__name__}")
    if cache.config is not None and cache.config != params.config:
        raise ValueError("cache: expected a cache made by lstm_forward with these params' configuration, "
                         f"got one made under {cache.config}")
    if cache.y.shape[-1] != params.n_cells:
        raise ValueError(f"cache: expected states of {params.n_cells} cells (the params'), "
                         f"got {cache.y.shape[-1]}")
    cfg = params.config
    gates = None
    if cfg.gate_recurrence:
        lay = cfg.layout(params.n_cells)
        gates = np.concatenate([cache.act[-1][:, lay[g]] for g in cfg.gates], axis=-1)
    return LSTMState(y=cache.y[-1].copy(), c=cache.c[-1].copy(), gates=gates)


# ---------------------------------------------------------------- training on a long text


def text_streams(ids, batch_size: int) -> np.ndarray:
    """Cut a text into B equal, contiguous streams that are read side by side.

    Stream b is characters ``[b L, (b + 1) L)`` with L = len(ids) // B (the remainder is
    dropped), so consecutive chunks of one stream are consecutive text.

    Parameters
    ----------
    ids : int array (N,)
        The encoded text.
    batch_size : int
        B, with L = N // B ≥ 2.

    Returns
    -------
    int array (L, B)
        Time-major: ``streams[:, b]`` is stream b.
    """
    ids = _ids("ids", ids, None, ndim=1)
    B = V.positive_int("batch_size", batch_size)
    L = ids.shape[0] // B
    if L < 2:
        raise ValueError(f"batch_size: {B} streams of a {ids.shape[0]}-character text would be "
                         f"shorter than 2 characters each")
    return np.ascontiguousarray(ids[:B * L].reshape(B, L).T)


class TruncatedBPTT:
    """Truncated BPTT over text streams, as a ``loss_and_grads`` for :func:`lstm_core.train.train`.

    Each call takes the next chunk of ``seq_len`` characters from every stream (inputs
    ``streams[p : p+T]``, targets ``streams[p+1 : p+T+1]``), starts the LSTM from the state
    the previous chunk ended in, and returns (E, ∂E/∂θ) of :func:`charlm_loss_and_grads`.
    At the end of the streams it starts over from the beginning with a zero state (a new
    epoch). Chapters 5 and 17.

    Parameters
    ----------
    streams : int array (L, B)
        From :func:`text_streams`.
    seq_len : int
        T, characters per chunk, 1 ≤ T ≤ L − 1.

    Attributes
    ----------
    position : int
        Where the next chunk starts.
    state : LSTMState or None
        The carried state (None at the start of an epoch).
    epochs : int
        Completed passes over the streams.
    """

    def __init__(self, streams, seq_len: int):
        self.streams = _ids("streams", streams, None, ndim=2)
        self.seq_len = V.positive_int("seq_len", seq_len)
        if self.seq_len > self.streams.shape[0] - 1:
            raise ValueError(f"seq_len: expected at most {self.streams.shape[0] - 1} (stream length "
                             f"minus one), got {self.seq_len}")
        self.position, self.state, self.epochs = 0, None, 0

    def __call__(self, params: ModelParams, batch=None) -> tuple[float, ModelGrads]:
        """(E, ∂E/∂θ) on the next chunk; ``batch`` is ignored (the chunks come from the streams,
        so :func:`lstm_core.train.train` is called without ``data``)."""
        T, p = self.seq_len, self.position
        if p + T + 1 > self.streams.shape[0]:
            p, self.state, self.epochs = 0, None, self.epochs + 1
        E, grads, self.state = charlm_loss_and_grads(params, self.streams[p:p + T],
                                                     self.streams[p + 1:p + T + 1], self.state)
        self.position = p + T
        return E, grads


def charlm_loss(params: ModelParams, ids, chunk: int = 256) -> float:
    """Cross-entropy per character (nats) of the model on one text, read once from the start.

    The text is read in chunks of ``chunk`` characters carrying the state (the same numbers
    as one pass over the whole text, in bounded memory). Chapter 17.

    Parameters
    ----------
    params : ModelParams
    ids : int array (N,), N ≥ 2
    chunk : int
    """
    K = _check_model(params)
    ids = _ids("ids", ids, K, ndim=1)
    if ids.shape[0] < 2:
        raise ValueError("ids: expected at least 2 characters (one to read, one to predict), "
                         f"got {ids.shape[0]}")
    chunk = V.positive_int("chunk", chunk)
    total, state = 0.0, None
    for p in range(0, ids.shape[0] - 1, chunk):
        inp = ids[p:min(p + chunk, ids.shape[0] - 1)]
        tgt = ids[p + 1:p + 1 + inp.shape[0]]
        net, _, state = charlm_forward(params, inp[:, None], state)
        total += softmax_cross_entropy(net, tgt[:, None]).loss
    return total / (ids.shape[0] - 1)


def bits_per_char(loss_nats: float) -> float:
    """Cross-entropy in bits: E / ln 2 (Chapter 17)."""
    loss_nats = V.positive_float("loss_nats", loss_nats, allow_zero=True)
    return loss_nats / np.log(2.0)


# ---------------------------------------------------------------- sampling


def next_char_probabilities(net, temperature: float = 1.0) -> np.ndarray:
    """Sampling distribution p_k ∝ exp(net_k / τ) over the last axis (Chapter 17).

    τ = 1 gives the model's softmax; τ → 0 concentrates all mass on the most likely character
    (τ = 0 returns that one-hot limit, ties going to the first); τ → ∞ tends to uniform.

    Book equations: eq-app-temperature

    Parameters
    ----------
    net : ndarray (..., K)
        Logits.
    temperature : float
        τ ≥ 0.
    """
    net = _checks.float_array("net", net)
    if net.ndim == 0 or net.shape[-1] == 0:
        raise ValueError(f"net: expected at least one class on the last axis, got shape {net.shape}")
    tau = V.positive_float("temperature", temperature, allow_zero=True)
    if tau == 0.0:
        out = np.zeros_like(net)
        np.put_along_axis(out, np.argmax(net, axis=-1)[..., None], 1.0, axis=-1)
        return out
    return softmax(net / net.dtype.type(tau))


def sample(params: ModelParams, vocab: Vocabulary, n: int, rng, prime: str,
           temperature: float = 1.0) -> str:
    """Generate ``n`` characters after the text ``prime`` (Chapter 17).

    The model reads ``prime`` one character at a time (:func:`lstm_core.lstm.lstm_step`), then
    repeatedly draws the next character from :func:`next_char_probabilities` at temperature τ
    and reads it back in. With τ = 0 it takes the most likely character (no randomness).

    Parameters
    ----------
    params : ModelParams
    vocab : Vocabulary
        The model's characters (K = ``vocab.size``).
    n : int
        Characters to generate, ≥ 1.
    rng : numpy.random.Generator or int seed
        The only source of randomness: the same seed gives the same text.
    prime : str
        At least one character, all in the vocabulary.
    temperature : float
        τ ≥ 0.

    Returns
    -------
    str
        The n generated characters (without the prime).
    """
    K = _check_model(params)
    if not isinstance(vocab, Vocabulary):
        raise TypeError(f"vocab: expected a Vocabulary, got {type(vocab).__name__}")
    if vocab.size != K:
        raise ValueError(f"vocab: expected {K} characters (the model's outputs), got {vocab.size}")
    n = V.positive_int("n", n)
    rng = _as_rng(rng)
    tau = V.positive_float("temperature", temperature, allow_zero=True)
    if not isinstance(prime, str) or not prime:
        raise ValueError("prime: expected a non-empty string to start from")
    if isinstance(vocab, Vocabulary) and set(prime) - set(vocab.chars):
        raise ValueError(f"prime: characters {''.join(sorted(set(prime) - set(vocab.chars)))!r} "
                         "are not in the vocabulary")
    dtype = params.core.W.dtype
    eye = np.eye(K, dtype=dtype)
    state = None
    for k in vocab.encode(prime):
        state, _ = lstm_step(params.core, eye[k][None, :], state)
    out = []
    for _ in range(n):
        net = readout_forward(params.out, state.y[None])[0][0, 0]
        p = next_char_probabilities(net.astype(np.float64), tau)
        k = int(np.argmax(p)) if tau == 0.0 else int(rng.choice(K, p=p))
        out.append(k)
        state, _ = lstm_step(params.core, eye[k][None, :], state)
    return vocab.decode(np.array(out))


# ---------------------------------------------------------------- helpers


def _check_model(params) -> int:
    """Check a language model's parameters; return K."""
    if not isinstance(params, ModelParams):
        raise TypeError(f"params: expected ModelParams from charlm_init, got {type(params).__name__}")
    if not isinstance(params.core, LSTMParams) or not isinstance(params.out, ReadoutParams):
        raise TypeError("params: expected core = LSTMParams and out = ReadoutParams, got "
                        f"{type(params.core).__name__} and {type(params.out).__name__}")
    if params.out.activation != "identity" or params.out.V is not None:
        raise ValueError("params.out: expected linear output units (activation 'identity', no direct "
                         f"connections V), got activation {params.out.activation!r}"
                         f"{'' if params.out.V is None else ' with V'}")
    K, H = params.out.W.shape
    if params.core.n_in != K:
        raise ValueError(f"params: the LSTM reads {params.core.n_in} inputs but the readout has {K} "
                         "outputs; a language model needs both equal to the vocabulary size")
    if H != params.core.n_cells:
        raise ValueError(f"params.out.W: expected {params.core.n_cells} columns (one per cell), got {H}")
    return K


def _ids(name: str, ids, K: int | None, ndim: int | None = None) -> np.ndarray:
    """Check an integer id array (values in [0, K) when K is given)."""
    arr = V.int_array(name, ids, ndim=ndim, low=0, high=None if K is None else K - 1,
                      what="character ids")
    return arr.astype(np.intp, copy=False)


def _one_hot(ids: np.ndarray, K: int, dtype) -> np.ndarray:
    out = np.zeros(ids.shape + (K,), dtype=dtype)
    np.put_along_axis(out, ids[..., None], 1.0, axis=-1)
    return out


def _as_rng(rng) -> np.random.Generator:
    """A seeded generator (``None`` is refused: every model and sample of the book is seeded)."""
    if rng is None:
        raise TypeError("rng: expected a numpy.random.Generator or an int seed, got None")
    return _checks.rng(rng)
