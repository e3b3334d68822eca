"""The continual latch task of chapter 9 (lstm_core.tasks.continual)."""
import numpy as np
import pytest

from lstm_core.tasks.continual import continual_latch, latch_correct, latch_steps_before_error


def test_layout_and_semantics():
    b = continual_latch(0, 200, 3, p_mark=0.2)
    assert b.x.shape == (200, 3, 2) and b.t.shape == (200, 3, 1) and b.mask.shape == (200, 3, 1)
    marks = b.info["marks"]
    assert marks[0].all() and np.array_equal(marks, b.x[:, :, 1] == 1.0)
    for s in range(3):                      # target = value at the latest mark, brute force
        for t in range(200):
            last = max(k for k in range(t + 1) if marks[k, s])
            assert b.t[t, s, 0] == (b.x[last, s, 0] + 1) / 2
    assert set(np.unique(b.x[:, :, 0])) == {-1.0, 1.0}
    np.testing.assert_array_equal(continual_latch(0, 200, 3, p_mark=0.2).x, b.x)   # seeded
    assert continual_latch(0, 5, dtype=np.float32).x.dtype == np.float32


def test_criteria():
    b = continual_latch(1, 50, 2)
    perfect = b.t.copy()
    assert latch_correct(perfect, b).all()
    assert list(latch_steps_before_error(perfect, b)) == [50, 50]
    wrong = perfect.copy()
    wrong[7, 0, 0] = 1 - wrong[7, 0, 0]
    wrong[0, 1, 0] = np.nan
    assert list(latch_steps_before_error(wrong, b)) == [7, 0]
    assert list(latch_correct(wrong, b)) == [False, False]
    with pytest.raises(ValueError, match="shape"):
        latch_steps_before_error(perfect[:10], b)


def test_bad_input():
    with pytest.raises(ValueError, match="p_mark"):
        continual_latch(0, 10, p_mark=1.5)
    with pytest.raises(ValueError, match="p_mark"):
        continual_latch(0, 10, p_mark=0.0)
    with pytest.raises(ValueError, match="length"):
        continual_latch(0, 0)
    with pytest.raises((TypeError, ValueError), match="batch_size"):
        continual_latch(0, 10, batch_size=-2)
