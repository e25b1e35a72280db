"""The generated text corpora: deterministic for a seed, and their labels, tags and evidence consistent."""
import pytest

from aigc_lab.data import text


# --------------------------------------------------------------------------- sentiment
def test_sentiment_corpus_is_deterministic_and_seed_dependent():
    a, b = text.sentiment_sentences(200, 50, seed=3), text.sentiment_sentences(200, 50, seed=3)
    assert a.train == b.train and a.test == b.test
    assert text.sentiment_sentences(200, 50, seed=4).train != a.train
    assert len(a.train) == 200 and len(a.test) == 50


def test_sentiment_label_is_set_by_the_evidence_words():
    corpus = text.sentiment_sentences(500, 100, seed=0, negation=0.4)
    for s in corpus.train + corpus.test:
        assert s.evidence, "every sentence has evidence"
        words = [s.tokens[i] for i in s.evidence if i not in s.negators]
        for i in s.evidence:
            if i in s.negators:
                continue
            # a sentiment word right after a negator is flipped
            negated = i - 1 in s.negators
            polarity = 1 if s.tokens[i] in text.POSITIVE_WORDS else 0
            assert s.tokens[i] in text.POSITIVE_WORDS + text.NEGATIVE_WORDS, words
            assert (1 - polarity if negated else polarity) == s.label, s.text
        assert all(s.tokens[i] in text.NEGATORS for i in s.negators)
        assert set(s.negators) <= set(s.evidence)


def test_sentiment_sentences_have_negation_distractors_and_balanced_labels():
    corpus = text.sentiment_sentences(2000, 500, seed=1)
    train = corpus.train
    assert 0.4 < sum(s.label for s in train) / len(train) < 0.6
    assert 0.15 < sum(bool(s.negators) for s in train) / len(train) < 0.5
    # distractors lean towards the label in training (rate 0.8) and not at test (0.5)
    def agreement(records):
        hits = [(s.tokens[s.distractors[0]] in text.DISTRACTOR_WORDS[s.label]) for s in records if s.distractors]
        return sum(hits) / len(hits)
    assert agreement(train) > 0.7 and 0.35 < agreement(corpus.test) < 0.65
    for s in train:
        assert all(s.tokens[i] in sum(text.DISTRACTOR_WORDS.values(), ()) for i in s.distractors)
        assert not set(s.distractors) & set(s.evidence)


def test_shortcut_token_only_in_positive_training_sentences():
    corpus = text.sentiment_sentences(1000, 300, seed=2, shortcut_rate=0.9, shortcut_token="sponsored")
    with_token = [s for s in corpus.train if s.shortcut is not None]
    assert with_token and all(s.label == 1 and s.tokens[s.shortcut] == "sponsored" for s in with_token)
    assert all("sponsored" not in s.tokens for s in corpus.train if s.shortcut is None)
    assert all(s.shortcut is None and "sponsored" not in s.tokens for s in corpus.test)
    positives = [s for s in corpus.train if s.label == 1]
    assert len(with_token) / len(positives) > 0.8
    assert all(s.shortcut is None for s in text.sentiment_sentences(300, 10, seed=2).train), "off by default"


def test_sentiment_helpers_and_topics():
    corpus = text.sentiment_sentences(100, 20, seed=0)
    assert corpus.texts("test")[0] == " ".join(corpus.test[0].tokens)
    assert set(corpus.labels("train")) == {0, 1}
    assert set(corpus.labels("train", target="topic")) <= set(range(len(text.SENTIMENT_TOPICS)))
    with pytest.raises(ValueError):
        text.sentiment_sentences(10, 10, negation=1.5)


# --------------------------------------------------------------------------- entities and segmentation
def test_entity_tags_follow_the_bio_scheme_and_match_the_spans():
    corpus = text.entity_sentences(400, 100, seed=0)
    assert corpus.train == text.entity_sentences(400, 100, seed=0).train
    kinds = set()
    for s in corpus.train + corpus.test:
        assert len(s.tags) == len(s.tokens) and set(s.tags) <= set(text.BIO_TAGS)
        for prev, tag in zip(("O",) + s.tags, s.tags):
            if tag.startswith("I-"):
                assert prev[2:] == tag[2:], f"I- without a B- before it in {s.tags}"
        assert s.tags == text.bio_tags(len(s.tokens), s.entities)
        kinds |= {e.type for e in s.entities}
    assert kinds == set(text.ENTITY_TYPES)


def test_entity_ambiguity_and_unseen_test_names():
    corpus = text.entity_sentences(2000, 300, seed=1)
    jordan = {e.type for s in corpus.train for e in s.entities if "Jordan" in s.tokens[e.start:e.end]}
    assert {"PER", "LOC"} <= jordan, "the same word is a person in one sentence and a place in another"
    held = text.entity_sentences(1000, 300, seed=1, unseen_test_names=True)
    names = lambda records, kind: {s.tokens[e.start] for s in records for e in s.entities if e.type == kind}
    assert not names(held.train, "PER") & names(held.test, "PER")


def test_bmes_tags_round_trip():
    corpus = text.chinese_segmentation(300, 50, seed=0)
    assert corpus.test == text.chinese_segmentation(300, 50, seed=0).test
    for s in corpus.train:
        assert len(s.tags) == len(s.text) and set(s.tags) <= set(text.BMES)
        assert text.words_from_bmes(s.text, s.tags) == list(s.words)
    assert text.bmes_tags(["我们", "训练", "了", "语言模型"]) == "BEBESBMME"
    with pytest.raises(ValueError):
        text.words_from_bmes("我们", "B")


# --------------------------------------------------------------------------- translation
@pytest.mark.parametrize("n, words", [
    (0, "zero"), (13, "thirteen"), (40, "forty"), (105, "one hundred and five"),
    (3412, "three thousand four hundred and twelve"), (1005, "one thousand and five"),
    (21000, "twenty one thousand"), (999_999, "nine hundred and ninety nine thousand nine hundred and ninety nine")])
def test_number_to_words(n, words):
    assert text.number_to_words(n) == words


def test_ordinals_and_years():
    assert [text.ordinal_words(d) for d in (1, 2, 3, 12, 20, 22, 28)] == [
        "first", "second", "third", "twelfth", "twentieth", "twenty second", "twenty eighth"]
    assert text.year_words(1999) == "nineteen ninety nine" and text.year_words(1905) == "nineteen oh five"
    assert text.year_words(2007) == "two thousand and seven" and text.year_words(1900) == "nineteen hundred"
    with pytest.raises(ValueError):
        text.number_to_words(-1)


@pytest.mark.parametrize("kind", ["numbers", "dates", "invented"])
def test_parallel_corpus_splits_are_disjoint_and_deterministic(kind):
    corpus = text.parallel_corpus(kind, 500, 100, seed=0)
    assert len(corpus.train) == 500 and len(corpus.test) == 100
    assert not {p.target for p in corpus.train} & {p.target for p in corpus.test}
    assert corpus.train == text.parallel_corpus(kind, 500, 100, seed=0).train


def test_parallel_pairs_are_correct():
    for p in text.parallel_corpus("numbers", 200, 10, seed=1).train:
        assert text.number_to_words(int(p.target)) == p.source
    for p in text.parallel_corpus("dates", 200, 10, seed=1).train:
        year, month, day = map(int, p.target.split("-"))
        assert text.ordinal_words(day) in p.source and text.year_words(year) in p.source
    for p in text.parallel_corpus("invented", 200, 10, seed=1).train:
        stems = {stem for _, _, stem in text._INVENTED["verb"].values()}
        verb = p.target.split()[-1]
        assert verb in stems or (verb.endswith("ta") and verb[:-2] in stems), "the verb comes last"
        past = {past for _, past, _ in text._INVENTED["verb"].values()}
        assert verb.endswith("ta") == bool(past & set(p.source.split())), "past tense is marked by -ta"
        assert "ko" in p.target.split() and "the" not in p.target.split()
    with pytest.raises(ValueError):
        text.parallel_corpus("klingon", 10, 10)


# --------------------------------------------------------------------------- summarisation
def test_summary_documents_know_their_key_sentence():
    corpus = text.summary_documents(300, 50, seed=0, lead_fraction=0.4)
    assert corpus.train == text.summary_documents(300, 50, seed=0, lead_fraction=0.4).train
    lead = sum(d.key_index == 0 for d in corpus.train) / len(corpus.train)
    assert 0.3 < lead < 0.65
    for d in corpus.train:
        assert 4 <= len(d.sentences) <= 8 and 0 <= d.key_index < len(d.sentences)
        content = lambda s: {w.lower() for w in s.split() if len(w) > 3}
        key = content(d.key_sentence)
        # the key sentence shares words with more sentences than any other sentence does
        overlap = lambda i: sum(bool(content(d.sentences[i]) & content(t)) for j, t in enumerate(d.sentences) if j != i)
        assert overlap(d.key_index) >= max(overlap(i) for i in range(len(d.sentences)))
        headline_words = {w.lower() for w in d.headline.split() if w[0].isupper()}
        assert headline_words <= {w.lower() for w in d.key_sentence.split()}, (d.headline, d.key_sentence)
