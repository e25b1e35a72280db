"""Offline data: present, deterministic for a seed, and bad files rejected clearly."""
import pytest
import torch

from aigc_lab.data import image, text


def test_python_docs_corpus_is_large_and_stable():
    corpus = text.python_docs_text()
    assert len(corpus) > 300_000 and corpus == text.python_docs_text()


def test_char_tokenizer_round_trip_and_unknown_characters():
    tok = text.CharTokenizer("hello world")
    assert tok.decode(tok.encode("world hello")) == "world hello"
    with pytest.raises(KeyError, match="not in the vocabulary"):
        tok.encode("xyz")


def test_lm_batches_are_shifted_and_deterministic():
    ids = torch.arange(100)
    x, y = text.LMBatches(ids, block=8, batch=4, seed=1)()
    assert x.shape == (4, 8) and torch.equal(y, x + 1)
    x2, _ = text.LMBatches(ids, block=8, batch=4, seed=1)()
    assert torch.equal(x, x2)


def test_unigram_entropy_of_uniform_tokens():
    assert text.unigram_entropy(torch.arange(4).repeat(10)) == pytest.approx(torch.log(torch.tensor(4.0)).item())


def test_read_text_file_rejects_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        text.read_text_file(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("   ")
    with pytest.raises(ValueError, match="empty"):
        text.read_text_file(tmp_path / "empty.txt")
    (tmp_path / "bin.dat").write_bytes(b"\x00\x01" * 1000)
    with pytest.raises(ValueError, match="binary"):
        text.read_text_file(tmp_path / "bin.dat")
    (tmp_path / "short.txt").write_text("too short")
    with pytest.raises(ValueError, match="at least"):
        text.read_text_file(tmp_path / "short.txt")
    (tmp_path / "ok.txt").write_text("fine text. " * 200)
    assert text.read_text_file(tmp_path / "ok.txt").startswith("fine")


def test_digits_split_is_deterministic_and_scaled():
    a, b = image.load_digits(16, seed=3), image.load_digits(16, seed=3)
    assert a.x_train.shape[1:] == (1, 16, 16) and len(a.y_test) == 449
    assert torch.equal(a.x_test, b.x_test) and 0 <= a.x_train.min() and a.x_train.max() <= 1
    assert not torch.equal(a.y_test, image.load_digits(16, seed=4).y_test)
