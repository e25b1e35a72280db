"""Keyword extraction: TF-IDF against scikit-learn, BM25 against a worked example done by hand and rank_bm25,
PageRank against its closed form, and all three rankers against random words on generated news."""
from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from aigc_lab.data.text import summary_documents
from aigc_lab.text.keywords import (BM25, STOP_WORDS, TfidfKeywords, candidates, cooccurrence_graph,
                                    headline_keywords, keyphrases, pagerank, precision_at_k,
                                    textrank_keywords, top_k)

DOCS = [["robot", "factory", "robot"], ["factory", "jobs"], ["match", "goal", "goal", "fans"]]


# --------------------------------------------------------------------------- TF-IDF
@pytest.mark.parametrize("smooth_idf", [True, False])
@pytest.mark.parametrize("sublinear_tf", [False, True])
def test_tfidf_matches_scikit_learn(smooth_idf, sublinear_tf):
    documents = [d.text.lower().split() for d in summary_documents(60, 1, seed=2).train]
    reference = TfidfVectorizer(analyzer=str.split, smooth_idf=smooth_idf, sublinear_tf=sublinear_tf)
    expected = reference.fit_transform([" ".join(d) for d in documents]).toarray()
    mine = TfidfKeywords(smooth_idf=smooth_idf, sublinear_tf=sublinear_tf).fit(documents)
    assert mine.vocab == list(reference.get_feature_names_out())
    assert np.allclose(mine.idf, reference.idf_, atol=1e-12)
    assert np.allclose(mine.transform(documents), expected, atol=1e-12)
    unseen = [["robot", "never-seen-before"], []]
    assert np.allclose(mine.transform(unseen), reference.transform([" ".join(d) for d in unseen]).toarray())


def test_tfidf_keywords_skip_stop_words_and_rank_rare_words_first():
    tfidf = TfidfKeywords().fit(DOCS)
    ranked = [w for w, _ in tfidf.keywords(["the", "robot", "factory", "robot", "."], k=5)]
    assert ranked == ["robot", "factory"]          # robot: tf 2 and rarer; "the" and "." never compete


# --------------------------------------------------------------------------- BM25, worked by hand
def test_bm25_matches_the_hand_computed_example():
    """n = 3 documents of lengths 3, 2, 4, so avgdl = 3; k1 = 1.5, b = 0.75.

    df(robot) = 1:   idf = ln(1 + (3 - 1 + 0.5) / (1 + 0.5)) = ln(8/3) = 0.980829
    df(factory) = 2: idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6) = 0.470004
    document 1 (|d| = avgdl, so the length factor is 1):
        robot   tf 2: 2 * 2.5 / (2 + 1.5)   = 10/7  -> 0.980829 * 10/7 = 1.401184
        factory tf 1: 1 * 2.5 / (1 + 1.5)   = 1     -> 0.470004
    document 2 (length factor 1 - 0.75 + 0.75 * 2/3 = 0.75):
        factory tf 1: 2.5 / (1 + 1.5 * 0.75) = 20/17 -> 0.470004 * 20/17 = 0.552945
    query "robot factory": document 1 scores 1.871188, document 2 0.552945, document 3 0.
    """
    bm25 = BM25(k1=1.5, b=0.75).fit(DOCS)
    assert bm25.avgdl == 3
    assert bm25.idf("robot") == pytest.approx(0.980829, abs=1e-6)
    assert bm25.idf("factory") == pytest.approx(0.470004, abs=1e-6)
    w1 = bm25.weights(DOCS[0])
    assert w1["robot"] == pytest.approx(1.401184, abs=1e-6) and w1["factory"] == pytest.approx(0.470004, abs=1e-6)
    assert bm25.weights(DOCS[1])["factory"] == pytest.approx(0.552945, abs=1e-6)
    assert np.allclose(bm25.scores(["robot", "factory"]), [1.871188, 0.552945, 0.0], atol=1e-6)
    assert bm25.idf("unseen") == pytest.approx(math.log(1 + 3.5 / 0.5))   # df = 0: the largest idf


def test_bm25_term_frequency_saturates_and_b_zero_ignores_length():
    bm25 = BM25(k1=1.2, b=0.0).fit(DOCS)
    one, many = bm25.weights(["robot"])["robot"], bm25.weights(["robot"] * 50)["robot"]
    assert many < bm25.idf("robot") * (1.2 + 1) and many > one               # rises, but below idf * (k1 + 1)
    assert bm25.weights(["robot", "x", "y", "z"])["robot"] == pytest.approx(one)   # b = 0: length does not matter


def random_corpus(seed: int):
    """Documents of skewed word frequencies ("w0" in nearly all, so its Okapi idf is negative), an empty document,
    a repeated one, and queries with repeated and unseen words."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(12)]
    p = 1 / np.arange(1, 13) ** 1.2
    docs = [list(rng.choice(words, size=int(rng.integers(1, 15)), p=p / p.sum())) + ["w0"] for _ in range(10)]
    docs += [[], docs[0]]
    queries = [list(rng.choice(words, size=int(rng.integers(1, 5)))) for _ in range(5)] + [["w3", "w3", "unseen"]]
    return docs, queries


@pytest.mark.parametrize("k1, b", [(1.5, 0.75), (1.2, 0.0), (2.0, 1.0)])
@pytest.mark.parametrize("seed", range(3))
def test_bm25_matches_rank_bm25_with_the_same_idf(seed, k1, b):
    """rank_bm25's BM25Okapi computes the same term-frequency and length part; only its idf differs
    (ln((n - df + 0.5) / (df + 0.5)), negative values floored at epsilon * mean idf).  Given our idf it gives our
    scores, and its idf is the one inside ours: ours = ln(1 + e^okapi) wherever it is not floored."""
    rank_bm25 = pytest.importorskip("rank_bm25")                       # in requirements.txt (tests only)

    class OkapiWithOurIdf(rank_bm25.BM25Okapi):
        def _calc_idf(self, nd):
            for word, df in nd.items():
                self.idf[word] = math.log(1 + (self.corpus_size - df + 0.5) / (df + 0.5))

    docs, queries = random_corpus(seed)
    ours, theirs = BM25(k1=k1, b=b).fit(docs), OkapiWithOurIdf(docs, k1=k1, b=b)
    assert ours.avgdl == pytest.approx(theirs.avgdl)
    empty = np.array([len(d) == 0 for d in docs])
    for query in queries:
        with np.errstate(invalid="ignore"):
            expected = theirs.get_scores(query)
        if b == 1:      # an empty document: tf 0 over a length part of 0; rank_bm25 gives nan, we give 0
            assert np.isnan(expected[empty]).all()
            expected[empty] = 0.0
        assert np.allclose(ours.scores(query), expected, atol=1e-12)
        assert (ours.scores(query)[empty] == 0).all()
    okapi = rank_bm25.BM25Okapi(docs, k1=k1, b=b)
    floored = {w for w, df in ours.df.items() if df > len(docs) / 2}
    assert "w0" in floored
    for word, idf in okapi.idf.items():
        if word in floored:
            assert idf == pytest.approx(0.25 * okapi.average_idf)    # BM25Okapi's floor; ours stays positive
        else:
            assert ours.idf(word) == pytest.approx(math.log1p(math.exp(idf)))


# --------------------------------------------------------------------------- TextRank
def test_cooccurrence_graph_links_words_within_the_window():
    vocab, w = cooccurrence_graph(["a", "b", "c", "a"], window=2)
    assert vocab == ["a", "b", "c"]
    assert w.tolist() == [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    _, w3 = cooccurrence_graph(["a", "b", "c"], window=3)
    assert w3[0, 2] == 1 and (w3 == w3.T).all()


def test_pagerank_matches_the_closed_form_and_networkx():
    rng = np.random.default_rng(0)
    w = rng.random((7, 7)) * (rng.random((7, 7)) < 0.5)
    w = w + w.T
    w[6, :] = w[:, 6] = 0                                   # an isolated node jumps anywhere
    d, V = 0.85, len(w)
    out = w.sum(0)
    M = np.where(out > 0, w / np.where(out > 0, out, 1), 1 / V)
    exact = np.linalg.solve(np.eye(V) - d * M, np.full(V, (1 - d) / V))   # r = (1 - d)/V + d M r
    r = pagerank(w, d)
    assert np.allclose(r, exact, atol=1e-9) and r.sum() == pytest.approx(1.0)
    nx = pytest.importorskip("networkx")
    graph = nx.from_numpy_array(w)
    ref = nx.pagerank(graph, alpha=d, weight="weight", tol=1e-12)
    assert np.allclose(r, [ref[i] for i in range(V)], atol=1e-8)


def test_textrank_prefers_the_hub_word_and_keyphrases_join_neighbours():
    doc = "oslo factory opened . factory jobs grew . robot factory parts . buenos aires . buenos aires".split()
    ranked = textrank_keywords(doc, k=2)
    assert ranked[0][0] == "factory"
    assert textrank_keywords(["the", "."], k=3) == []
    assert keyphrases(doc, {"buenos", "aires", "factory", "jobs"}) == ["factory", "factory jobs", "buenos aires"]


# --------------------------------------------------------------------------- on generated news
def test_candidates_top_k_and_precision_at_k():
    assert candidates(["The", "robot", ",", "said", "42", "X5"]) == ["robot", "x5"]
    assert "the" in STOP_WORDS and "robot" not in STOP_WORDS
    assert top_k({"b": 1.0, "a": 1.0, "c": 2.0}, 2) == [("c", 2.0), ("a", 1.0)]
    assert precision_at_k(["a", "b", "c"], {"a", "c"}, 2) == 0.5
    assert precision_at_k(["a"], {"a"}, 3) == pytest.approx(1 / 3)


def test_every_ranker_beats_random_words_on_generated_news():
    corpus = summary_documents(300, 60, seed=4)
    train = [d.text.lower().split() for d in corpus.train]
    rankers = {"tfidf": TfidfKeywords().fit(train).keywords, "bm25": BM25().fit(train).keywords,
               "textrank": textrank_keywords}
    k = 5
    for name, rank in rankers.items():
        found, chance = [], []
        for doc in corpus.test:
            relevant, pool = headline_keywords(doc), set(candidates(doc.text.split()))
            found.append(precision_at_k([w for w, _ in rank(doc.text.split(), k)], relevant, k))
            chance.append(len(relevant) / len(pool))        # expected precision of k random candidate words
        assert np.mean(found) > np.mean(chance) + 0.3, name
