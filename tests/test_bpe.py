"""The byte-pair-encoding tokenizer: merges on a hand-worked example, the merge rule, and an exact round trip."""
from __future__ import annotations

import numpy as np
import pytest

from aigc_lab.text.bpe import N_BYTES, BPETokenizer, merge, pair_counts


def test_merges_on_the_hand_worked_example():
    # "aaabdaaabac" (the example of the Wikipedia article on byte-pair encoding), worked by hand:
    # pairs: aa x4 (overlapping), ab x2, bd, da, ba, ac x1    -> merge aa = Z (256):  Z a b d Z a b a c
    # pairs: Za x2, ab x2, others x1; tie goes to the smaller pair, (a, b) = (97, 98) < (256, 97)
    #                                                          -> merge ab = Y (257):  Z Y d Z Y a c
    # pairs: ZY x2, others x1                                   -> merge ZY = X (258):  X d X a c
    a, b = ord("a"), ord("b")
    tokenizer = BPETokenizer.train("aaabdaaabac", vocab_size=N_BYTES + 3)
    assert tokenizer.merges == [(a, a), (a, b), (256, 257)]
    assert tokenizer.encode("aaabdaaabac").tolist() == [258, ord("d"), 258, a, ord("c")]
    assert tokenizer.pieces(tokenizer.encode("aaabdaaabac")) == ["aaab", "d", "aaab", "a", "c"]
    assert tokenizer.token_bytes()[258] == b"aaab"


def test_training_stops_when_nothing_repeats():
    tokenizer = BPETokenizer.train("abcabc", vocab_size=N_BYTES + 10)
    assert tokenizer.merges == [(ord("a"), ord("b")), (256, ord("c"))]   # then "abc abc" is one pair seen once
    assert tokenizer.vocab_size == N_BYTES + 2


def test_merge_goes_left_to_right_and_counts_overlaps():
    assert merge(np.array([1, 2, 3, 1, 2]), (1, 2), 9).tolist() == [9, 3, 9]
    assert merge(np.array([5, 5, 5]), (5, 5), 9).tolist() == [9, 5]
    assert merge(np.array([5, 5, 5, 5, 5, 1, 5, 5]), (5, 5), 9).tolist() == [9, 9, 5, 1, 9]
    assert merge(np.array([7]), (7, 7), 9).tolist() == [7]
    counts = pair_counts(np.array([5, 5, 5, 1]), 6)
    assert counts[5, 5] == 2 and counts[5, 1] == 1 and counts.sum() == 3


def test_merge_matches_a_plain_python_loop():
    def slow(ids, pair, new_id):
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                out.append(new_id)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        return out

    rng = np.random.default_rng(0)
    for _ in range(200):
        ids = rng.integers(0, 3, size=rng.integers(0, 40))
        pair = tuple(int(v) for v in rng.integers(0, 3, size=2))
        assert merge(ids, pair, 3).tolist() == slow(ids.tolist(), pair, 3)


@pytest.mark.parametrize("text", ["", "x", "hello hello hello", "naïve café, 東京 and 😀 emoji\n\ttabs",
                                  "def f(x):\n    return x ** 2\n" * 20])
def test_round_trip_is_exact(text):
    tokenizer = BPETokenizer.train("the cat sat on the mat; the dog sat on the log. " * 30, vocab_size=300)
    assert tokenizer.decode(tokenizer.encode(text)) == text


def test_compresses_english_and_round_trips_unseen_text():
    corpus = "the quick brown fox jumps over the lazy dog and the cat. " * 50
    tokenizer = BPETokenizer.train(corpus, vocab_size=320)
    ids = tokenizer.encode(corpus)
    assert len(ids) < len(corpus) / 3
    assert ids.max() < tokenizer.vocab_size
    unseen = "Zebras quickly vex the jumping fox."
    assert tokenizer.decode(tokenizer.encode(unseen)) == unseen


def test_bad_vocab_size_fails_clearly():
    with pytest.raises(ValueError, match="at least 256"):
        BPETokenizer.train("abc", vocab_size=100)
