"""Text features and the neural text classifier: parity with scikit-learn and F.conv1d, shapes, and learning."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from aigc_lab import train
from aigc_lab.data.image import shuffled_batches
from aigc_lab.data.text import sentiment_sentences
from aigc_lab.text.bow import TfidfFeatures, Vocabulary, bag_of_words, encode_padded, mark_negation, tokenize
from aigc_lab.text.text_cnn import TextCNN, TextCNNConfig, ngram_windows

DOCS = [t.split() for t in ("the soup was good .", "the room was not good , the bed was bad .",
                            "a good film with a good cast", "battery battery battery", "the the the the")]



def test_tfidf_matches_scikit_learn():
    mine = TfidfFeatures().fit(DOCS)
    reference = TfidfVectorizer(analyzer=lambda tokens: tokens).fit(DOCS)
    assert mine.vocab == list(reference.get_feature_names_out())
    assert np.allclose(mine.idf, reference.idf_)
    new = [["good", "soup", "unseen"], ["unseen"], ["the", "bed"]]
    assert np.allclose(mine.transform(new), reference.transform(new).toarray())
    assert np.allclose(mine.fit_transform(DOCS), reference.fit_transform(DOCS).toarray())


def test_tfidf_with_min_df_matches_scikit_learn():
    corpus = sentiment_sentences(200, 10, seed=0)
    docs = [list(s.tokens) for s in corpus.train]
    mine = TfidfFeatures(min_df=3).fit(docs)
    reference = TfidfVectorizer(analyzer=lambda tokens: tokens, min_df=3).fit(docs)
    assert mine.vocab == list(reference.get_feature_names_out())
    test = [list(s.tokens) for s in corpus.test]
    assert np.allclose(mine.transform(test), reference.transform(test).toarray())


def test_tfidf_needs_fit():
    with pytest.raises(RuntimeError, match="fit"):
        TfidfFeatures().transform(DOCS)


def test_bag_of_words_matches_count_vectorizer():
    vocab = Vocabulary.build(DOCS)
    counts = bag_of_words(DOCS, vocab)
    reference = CountVectorizer(analyzer=lambda tokens: tokens).fit(DOCS)
    dense = reference.transform(DOCS).toarray()
    for word, column in reference.vocabulary_.items():
        assert np.array_equal(counts[:, vocab.id(word)], dense[:, column])
    assert counts[:, :2].sum() == 0   # padding and unknown columns stay empty on known words
    assert bag_of_words([["never-seen"]], vocab)[0, 1] == 1


def test_vocabulary_and_padding():
    vocab = Vocabulary.build(DOCS, min_count=2)
    assert vocab.words[:2] == ["<pad>", "<unk>"] and vocab.words[2] == "the"   # most frequent first
    assert vocab.id("never-seen") == 1 and "soup" not in vocab
    ids = encode_padded([["the", "good"], ["good"]], vocab, max_len=3)
    assert ids.tolist() == [[vocab.id("the"), vocab.id("good"), 0], [vocab.id("good"), 0, 0]]
    assert encode_padded([["the"] * 10], vocab, max_len=4).shape == (1, 4)
    assert tokenize("The Soup WAS good .") == ["the", "soup", "was", "good", "."]


def test_mark_negation():
    tokens = "the soup was not good , but the waiter was never rude and it was fine .".split()
    assert mark_negation(tokens) == ("the soup was not not_good , but the waiter was never not_rude "
                                     "and it was fine .").split()
    assert mark_negation(["not", "very", "good", "."]) == ["not", "not_very", "not_good", "."]


def test_ngram_windows_times_a_linear_layer_is_a_convolution():
    torch.manual_seed(0)
    B, T, E, C = 3, 7, 5, 4
    x = torch.randn(B, T, E)
    for k in (1, 2, 3):
        linear = torch.nn.Linear(k * E, C)
        # Conv1d weight (C, E, k): input channel e at offset j <-> linear column j * E + e
        weight = linear.weight.view(C, k, E).permute(0, 2, 1)
        reference = F.conv1d(F.pad(x.transpose(1, 2), (0, k - 1)), weight, linear.bias).transpose(1, 2)
        assert torch.allclose(linear(ngram_windows(x, k)), reference, atol=1e-6)


def test_text_cnn_shapes_and_padding_invariance():
    torch.manual_seed(0)
    model = TextCNN(TextCNNConfig(vocab_size=20, classes=3)).eval()
    ids = torch.tensor([[5, 6, 7, 0, 0], [8, 9, 10, 11, 12]])
    assert model(ids).shape == (2, 3) and model.predict(ids).shape == (2,)
    assert torch.allclose(model.predict_proba(ids).sum(1), torch.ones(2))
    longer = torch.cat([ids, torch.zeros(2, 4, dtype=torch.long)], 1)   # extra padding changes nothing
    assert torch.allclose(model(ids), model(longer), atol=1e-6)
    loss = model.loss((ids, torch.tensor([0, 2])))
    assert loss.ndim == 0 and torch.isfinite(loss)


def test_text_cnn_learns_negation_that_a_bag_of_words_cannot(one_thread):
    torch.manual_seed(0)
    corpus = sentiment_sentences(400, 300, seed=0, negation=0.4)
    tokens = [list(s.tokens) for s in corpus.train]
    vocab = Vocabulary.build(tokens)
    x = encode_padded(tokens, vocab)
    x_test = encode_padded([list(s.tokens) for s in corpus.test], vocab, max_len=x.shape[1])
    y, y_test = torch.tensor(corpus.labels("train")), torch.tensor(corpus.labels("test"))
    model = TextCNN(TextCNNConfig(vocab_size=len(vocab), classes=2))
    train.fit(model, shuffled_batches(x, y, 64), steps=200, lr=1e-2, warmup=20, progress=False)
    accuracy = (model.predict(x_test) == y_test).float().mean().item()
    assert accuracy > 0.85, accuracy
    from sklearn.svm import LinearSVC
    words = LinearSVC().fit(bag_of_words(tokens, vocab), y.numpy())
    bow_accuracy = (words.predict(bag_of_words([list(s.tokens) for s in corpus.test], vocab)) == y_test.numpy()).mean()
    assert accuracy > bow_accuracy + 0.1, (accuracy, bow_accuracy)
