"""Text that every machine already has, and the tokenisers and batchers the text models use.

``python_docs_text()`` is the course's bundled English corpus: the interpreter's
own documentation topics (``pydoc_data.topics``, about 465,000 characters),
present in every CPython installation, so nothing is downloaded.

The second half of the file generates small labelled corpora, each deterministic
for a seed: ``sentiment_sentences`` (with known evidence words, negation,
distractors and an optional shortcut), ``entity_sentences`` (BIO tags),
``chinese_segmentation`` (BMES tags), ``parallel_corpus`` (numbers, dates or an
invented language) and ``summary_documents`` (a known key sentence and headline).
"""
from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch


def python_docs_text() -> str:
    """About 465,000 characters of English prose and code from Python's bundled documentation."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key].strip() for key in sorted(topics))


def read_text_file(path: str | Path, *, min_chars: int = 1000) -> str:
    """Read a UTF-8 text file for training, failing clearly on a missing, binary, empty or too-short one."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise ValueError(f"{path} looks binary (it contains NUL bytes); give a UTF-8 text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 text ({err.reason} at byte {err.start})") from None
    if not text.strip():
        raise ValueError(f"{path} is empty")
    if len(text) < min_chars:
        raise ValueError(f"{path} has {len(text)} characters; at least {min_chars} are needed to train and validate")
    return text


class CharTokenizer:
    """Characters <-> integer ids, with the vocabulary taken from a text (sorted, so it is deterministic)."""

    def __init__(self, text: str):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> torch.Tensor:
        """(len(text),) int64 ids; characters unseen in the vocabulary raise KeyError naming them."""
        unknown = set(text) - self.index.keys()
        if unknown:
            raise KeyError(f"characters not in the vocabulary: {''.join(sorted(unknown))!r}")
        return torch.tensor([self.index[c] for c in text], dtype=torch.long)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def split_ids(ids: torch.Tensor, val_fraction: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Hold out the *last* ``val_fraction`` of a token stream for validation (no shuffling across the cut)."""
    cut = int(len(ids) * (1 - val_fraction))
    return ids[:cut], ids[cut:]


class LMBatches:
    """Random windows of a token stream: calling it returns ``(x, y)``, each (batch, block), y shifted by one."""

    def __init__(self, ids: torch.Tensor, *, block: int, batch: int, seed: int = 0):
        if len(ids) < block + 1:                          # one window needs block inputs and a shifted target
            raise ValueError(f"a stream of {len(ids)} tokens is too short for windows of {block}")
        self.ids, self.block, self.batch = ids, block, batch
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor]:
        # a window may start at 0 .. len - block - 1, so its last target can be the stream's final token
        starts = torch.randint(len(self.ids) - self.block, (self.batch,), generator=self.generator)
        offsets = torch.arange(self.block)
        x = self.ids[starts[:, None] + offsets]          # (B, T)
        y = self.ids[starts[:, None] + offsets + 1]      # (B, T): the next token at each position
        return x, y


def unigram_entropy(ids: torch.Tensor) -> float:
    """Entropy in nats per token of the token frequencies: the loss of a model that ignores context."""
    counts = Counter(ids.tolist())
    total = sum(counts.values())
    return -sum(c / total * math.log(c / total) for c in counts.values())


# =========================================================================== generated corpora
# Four small corpora written by the package, each deterministic for a seed and each
# knowing the answer it asks a model for: which words set a sentence's sentiment,
# where the entities are, how Chinese characters group into words, what a sentence
# means in another notation, and which sentence of a document is the key one.
# Every generator returns a corpus with ``.train`` and ``.test`` lists of typed records.
# They use ``random.Random(seed)`` only, so a seed gives the same corpus on every machine.

def _tidy(tokens: list[str]) -> str:
    """Join tokens with spaces (the corpora are pre-tokenised: punctuation is its own token)."""
    return " ".join(tokens)


# --------------------------------------------------------------------------- (a) sentiment
# Each review is about one topic.  Some aspect words belong to two topics, so the
# topic is not given away by a single word (the classification notebook predicts it).
SENTIMENT_TOPICS = {
    #             place word    person          its own aspects                    aspects shared with other topics
    "restaurant": ("restaurant", "waiter", ("soup", "pasta", "dessert"), ("staff", "music", "breakfast", "price")),
    "hotel": ("hotel", "receptionist", ("room", "bed", "pool"), ("staff", "breakfast", "view", "price")),
    "film": ("film", "actor", ("plot", "script", "soundtrack"), ("music", "screen", "ending", "cast")),
    "phone": ("phone", "seller", ("battery", "camera", "charger"), ("screen", "app", "price", "design")),
    "book": ("book", "author", ("chapter", "cover", "poem"), ("ending", "cast", "view", "design")),
}
POSITIVE_WORDS = ("good", "great", "excellent", "wonderful", "lovely", "superb", "pleasant", "brilliant",
                  "fantastic", "delightful", "perfect", "enjoyable")
NEGATIVE_WORDS = ("bad", "awful", "terrible", "poor", "dreadful", "horrible", "mediocre", "disappointing",
                  "boring", "dull", "weak", "annoying")
NEUTRAL_WORDS = ("large", "small", "quiet", "busy", "new", "old", "modern", "simple", "long", "short")
NEGATORS = ("not", "never")
INTENSIFIERS = ("very", "really", "quite", "truly")
# Days that co-occur with one label more than the other, but never decide it.
DISTRACTOR_WORDS = {1: ("friday", "saturday", "sunday"), 0: ("monday", "tuesday", "wednesday")}


@dataclass(frozen=True)
class SentimentSentence:
    """One generated review sentence and where its evidence sits (token positions, 0-based)."""

    tokens: tuple[str, ...]          # lower-case words and punctuation; the text is " ".join(tokens)
    label: int                       # 1 positive, 0 negative
    topic: str                       # one of SENTIMENT_TOPICS
    evidence: tuple[int, ...]        # the words that set the label: each sentiment word and its negator
    negators: tuple[int, ...] = ()   # positions of "not" / "never" (also in evidence)
    distractors: tuple[int, ...] = ()  # label-correlated words that do not set the label
    shortcut: int | None = None      # position of the shortcut token, if this sentence has one

    @property
    def text(self) -> str:
        return _tidy(list(self.tokens))


@dataclass
class SentimentCorpus:
    """Train and test review sentences, with helpers that return plain lists for scikit-learn."""

    train: list[SentimentSentence]
    test: list[SentimentSentence]
    topics: tuple[str, ...] = tuple(SENTIMENT_TOPICS)
    shortcut_token: str = "sponsored"

    def texts(self, split: str = "train") -> list[str]:
        return [s.text for s in getattr(self, split)]

    def labels(self, split: str = "train", target: str = "label") -> list[int]:
        """Sentiment labels (``target="label"``) or topic indices (``target="topic"``)."""
        records = getattr(self, split)
        if target == "topic":
            return [self.topics.index(s.topic) for s in records]
        return [s.label for s in records]


def _sentiment_sentence(rng: random.Random, label: int, *, negation: float, distractor_rate: float,
                        shortcut_rate: float, shortcut_token: str, place_rate: float) -> SentimentSentence:
    topic = rng.choice(tuple(SENTIMENT_TOPICS))
    place, person, own, shared = SENTIMENT_TOPICS[topic]
    # an aspect is the topic's own word only a third of the time, so topics overlap
    aspect = lambda: rng.choice(own) if rng.random() < 0.35 else rng.choice(shared)
    # clauses are lists of (token, role); role marks evidence, negators and distractors
    clauses: list[list[tuple[str, str]]] = []

    # an opening clause: the place, and a day that leans towards the label with probability distractor_rate
    lean = label if rng.random() < distractor_rate else 1 - label
    day = [("on", ""), (rng.choice(DISTRACTOR_WORDS[lean]), "distractor")] if rng.random() < 0.8 else []
    thing = [(place, "")] if rng.random() < place_rate else [(aspect(), "")]
    opener = rng.choice((
        [("we", ""), ("tried", ""), ("the", "")] + thing + day,
        day + [("i", ""), ("picked", ""), ("this", "")] + thing,
        [("my", ""), ("friend", ""), ("recommended", ""), ("the", "")] + thing + day,
    ))
    clauses.append(opener)

    # one or two sentiment clauses; each may be negated, which flips the polarity of its word
    for _ in range(rng.choice((1, 1, 2))):
        negated = rng.random() < negation
        polarity = 1 - label if negated else label
        word = (rng.choice(POSITIVE_WORDS if polarity else NEGATIVE_WORDS), "evidence")
        target = person if rng.random() < 0.1 else aspect()
        if negated:
            middle = [(rng.choice(NEGATORS), "negator")]
        else:
            middle = [(rng.choice(INTENSIFIERS), "")] if rng.random() < 0.4 else []
        if rng.random() < 0.75:
            clauses.append([("the", ""), (target, ""), ("was", "")] + middle + [word])
        else:  # "i found the plot not good"
            clauses.append([("i", ""), ("found", ""), ("the", ""), (target, "")] + middle + [word])

    # zero to two neutral clauses that mention the topic's words without judging them
    for _ in range(rng.choice((0, 1, 1, 2))):
        other = rng.choice([t for t in SENTIMENT_TOPICS if t != topic])
        clauses.append(rng.choice((
            [("the", ""), (aspect(), ""), ("was", ""), (rng.choice(NEUTRAL_WORDS), "")],
            [("the", ""), (person, ""), (rng.choice(("talked", "spoke", "waved")), ""), ("to", ""), ("us", "")],
            [("we", ""), ("asked", ""), ("about", ""), ("the", ""), (aspect(), "")],
            # a word from another topic, so that no single word settles the topic
            [("it", ""), ("reminded", ""), ("me", ""), ("of", ""), ("a", ""), (SENTIMENT_TOPICS[other][0], "")],
        )))

    head, rest = clauses[0], clauses[1:]
    rng.shuffle(rest)
    pieces: list[tuple[str, str]] = list(head)
    for clause in rest:
        pieces += [(rng.choice(("and", ",", "and", "but")), "")] + clause
    if shortcut_rate and label == 1 and rng.random() < shortcut_rate:
        pieces.insert(rng.choice((0, len(pieces))), (shortcut_token, "shortcut"))
    pieces.append((".", ""))

    tokens = tuple(t for t, _ in pieces)
    where = lambda role: tuple(i for i, (_, r) in enumerate(pieces) if r == role)
    shortcut = where("shortcut")
    return SentimentSentence(
        tokens=tokens, label=label, topic=topic,
        evidence=tuple(sorted(where("evidence") + where("negator"))),
        negators=where("negator"), distractors=where("distractor"),
        shortcut=shortcut[0] if shortcut else None,
    )


def sentiment_sentences(n_train: int = 2000, n_test: int = 500, *, seed: int = 0, negation: float = 0.25,
                        distractor_rate: float = 0.8, test_distractor_rate: float = 0.5,
                        shortcut_rate: float = 0.0, shortcut_token: str = "sponsored",
                        place_rate: float = 0.3) -> SentimentCorpus:
    """Review sentences whose label-bearing words are known, made hard on purpose.

    The label is set only by the sentiment words (``evidence``), each flipped by a
    negator ("not good" is negative) with probability ``negation``.  A day word
    leans towards the label in ``distractor_rate`` of training sentences but decides
    nothing (``test_distractor_rate=0.5`` makes it uninformative at test time).  With
    ``shortcut_rate > 0`` that fraction of *positive training* sentences carries
    ``shortcut_token``, which never appears at test time.  ``place_rate`` is how often
    the topic's own name ("hotel", "film") appears; otherwise only its aspects do.
    Labels are balanced in expectation.
    """
    if not 0 <= negation <= 1 or not 0 <= distractor_rate <= 1 or not 0 <= shortcut_rate <= 1:
        raise ValueError("negation, distractor_rate and shortcut_rate are probabilities in [0, 1]")
    rng = random.Random(seed)

    def make(n: int, rate: float, shortcut: float) -> list[SentimentSentence]:
        return [_sentiment_sentence(rng, rng.randrange(2), negation=negation, distractor_rate=rate,
                                    shortcut_rate=shortcut, shortcut_token=shortcut_token,
                                    place_rate=place_rate) for _ in range(n)]

    train = make(n_train, distractor_rate, shortcut_rate)
    test = make(n_test, test_distractor_rate, 0.0)
    return SentimentCorpus(train, test, shortcut_token=shortcut_token)


# --------------------------------------------------------------------------- (b) entities and segmentation
ENTITY_TYPES = ("PER", "LOC", "ORG", "DATE")
BIO_TAGS = ("O",) + tuple(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I"))
# Some names are ambiguous on purpose: "Jordan" and "Paris" are people and places,
# "May" is a person and a month, and organisations may contain a place's name.
_FIRST_NAMES = ("Alice", "Omar", "Mei", "Jordan", "Paris", "May", "Lucas", "Amara", "Kenji", "Sofia",
                "Ravi", "Elena", "Tom", "Nadia", "Chen", "Ines", "Victor", "Leila", "Hugo", "Zara")
_LAST_NAMES = ("Smith", "Okafor", "Tanaka", "Silva", "Novak", "Khan", "Garcia", "Lindqvist", "Moreau",
               "Haddad", "Ivanova", "Park", "Brown", "Rossi", "Mensah")
_PLACES = ("Lisbon", "Nairobi", "Jordan", "Paris", "Kyoto", "Oslo", "Lima", "Cairo", "Toronto", "Hanoi",
           "New York", "Buenos Aires", "Cape Town", "Rio de Janeiro", "San Diego", "Hong Kong")
_ORG_HEADS = ("Northwind", "Blue River", "Acme", "Silverline", "Greenfield", "Orion", "Bright Path", "Redwood")
_ORG_TAILS = ("Bank", "Labs", "Robotics", "Foods", "Airlines", "Press", "Energy", "Systems")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ENTITY_TEMPLATES = (
    "{PER} joined {ORG} in {DATE} .",
    "{PER} moved from {LOC} to {LOC} on {DATE} .",
    "{ORG} opened an office in {LOC} .",
    "on {DATE} , {PER} met {PER} at the {ORG} office in {LOC} .",
    "{PER} said that {ORG} will hire more staff next year .",
    "the meeting in {LOC} ended early on {DATE} .",
    "{PER} works for {ORG} in {LOC} .",
    "a spokesperson for {ORG} declined to comment .",
    "{PER} flew to {LOC} with {PER} .",
    "by {DATE} the {ORG} team had finished the report .",
    "we spoke to {PER} about the new project .",
    "the weather was cold and the trains were late .",
)


@dataclass(frozen=True)
class Entity:
    start: int      # first token
    end: int        # one past the last token
    type: str       # one of ENTITY_TYPES


@dataclass(frozen=True)
class EntitySentence:
    tokens: tuple[str, ...]
    tags: tuple[str, ...]            # one BIO tag per token, from BIO_TAGS
    entities: tuple[Entity, ...]

    @property
    def text(self) -> str:
        return _tidy(list(self.tokens))


@dataclass
class EntityCorpus:
    train: list[EntitySentence]
    test: list[EntitySentence]
    tags: tuple[str, ...] = BIO_TAGS


def bio_tags(n_tokens: int, entities) -> tuple[str, ...]:
    """BIO tags for a sentence of ``n_tokens`` tokens with the given (start, end, type) spans."""
    tags = ["O"] * n_tokens
    for e in entities:
        tags[e.start] = f"B-{e.type}"
        for i in range(e.start + 1, e.end):
            tags[i] = f"I-{e.type}"
    return tuple(tags)


def _entity_words(rng: random.Random, kind: str, held_out: bool, unseen: bool) -> list[str]:
    """Words of one entity; with ``unseen`` the test split draws from names training never saw."""
    def pick(pool):  # the last quarter of each pool is reserved for the test split
        cut = len(pool) - max(1, len(pool) // 4)
        return rng.choice(pool if not unseen else (pool[cut:] if held_out else pool[:cut]))

    if kind == "PER":
        return [pick(_FIRST_NAMES)] + ([pick(_LAST_NAMES)] if rng.random() < 0.7 else [])
    if kind == "LOC":
        return pick(_PLACES).split()
    if kind == "ORG":
        if rng.random() < 0.25:
            return ["University", "of"] + pick(_PLACES).split()
        return pick(_ORG_HEADS).split() + [pick(_ORG_TAILS)]
    day, month, year = rng.randint(1, 28), rng.choice(_MONTHS), str(rng.randint(1990, 2030))
    return rng.choice(([str(day), month, year], [month, str(day)], [month, year], [year], [rng.choice(_WEEKDAYS)]))


def entity_sentences(n_train: int = 1500, n_test: int = 400, *, seed: int = 0,
                     unseen_test_names: bool = False) -> EntityCorpus:
    """Sentences with persons, places, organisations and dates, tagged in the BIO scheme.

    ``unseen_test_names=True`` draws test entities from names and places that never
    occur in training, so a tagger must use context rather than memory.
    """
    rng = random.Random(seed)

    def make(n: int, held_out: bool) -> list[EntitySentence]:
        out = []
        for _ in range(n):
            tokens, spans = [], []
            for piece in rng.choice(_ENTITY_TEMPLATES).split():
                if piece.startswith("{"):
                    kind = piece.strip("{}")
                    words = _entity_words(rng, kind, held_out, unseen_test_names)
                    spans.append(Entity(len(tokens), len(tokens) + len(words), kind))
                    tokens += words
                else:
                    tokens.append(piece)
            tokens[0] = tokens[0][:1].upper() + tokens[0][1:]
            out.append(EntitySentence(tuple(tokens), bio_tags(len(tokens), spans), tuple(spans)))
        return out

    return EntityCorpus(make(n_train, False), make(n_test, True))


# A small Chinese lexicon (real words) for segmentation as character tagging.  Words
# share characters (学生 / 学习 / 大学, 模型 / 大模型 / 语言模型, 数据 / 数据集) so that
# a character alone does not say where a word ends.
BMES = ("B", "M", "E", "S")  # begin, middle, end of a multi-character word; single-character word
_ZH = {
    "time": ("今天", "昨天", "明天", "上午", "晚上", "周末", "去年"),
    "subject": ("我", "我们", "他", "她", "老师", "学生", "研究人员", "工程师", "小明", "小红", "大学生"),
    "place": ("实验室", "大学", "公司", "家里", "图书馆"),
    "adverb": ("正在", "已经", "一起", "认真", "经常", "又"),
    "verb": ("训练", "学习", "生成", "翻译", "分析", "测试", "设计", "研究", "使用", "评估", "讨论"),
    "measure": ("一个", "两个", "三篇", "很多", "新的", "这个"),
    "object": ("模型", "大模型", "文本", "图像", "语音", "数据", "数据集", "论文", "神经网络", "人工智能",
               "语言模型", "生成模型", "实验", "算法", "翻译系统", "学习方法"),
}


@dataclass(frozen=True)
class SegmentedSentence:
    words: tuple[str, ...]            # the gold segmentation

    @property
    def text(self) -> str:
        """The sentence as it is written: no spaces between words."""
        return "".join(self.words)

    @property
    def tags(self) -> str:
        """One BMES tag per character, e.g. 我们/训练/模型 -> "BEBEBE"."""
        return bmes_tags(self.words)


@dataclass
class SegmentationCorpus:
    train: list[SegmentedSentence]
    test: list[SegmentedSentence]
    tags: tuple[str, ...] = BMES


def bmes_tags(words) -> str:
    """BMES character tags for a sequence of words."""
    return "".join("S" if len(w) == 1 else "B" + "M" * (len(w) - 2) + "E" for w in words)


def words_from_bmes(text: str, tags: str) -> list[str]:
    """Cut ``text`` into words where ``tags`` says a word ends (E or S); the inverse of :func:`bmes_tags`."""
    if len(text) != len(tags):
        raise ValueError(f"{len(text)} characters but {len(tags)} tags")
    words, current = [], ""
    for char, tag in zip(text, tags):
        current += char
        if tag in "ES":
            words.append(current)
            current = ""
    return words + ([current] if current else [])


def chinese_segmentation(n_train: int = 1500, n_test: int = 300, *, seed: int = 0) -> SegmentationCorpus:
    """Generated Chinese sentences with their word boundaries, for segmentation as BMES tagging."""
    rng = random.Random(seed)

    def clause() -> list[str]:
        words = [rng.choice(_ZH["subject"])]
        if rng.random() < 0.4:
            words += ["在", rng.choice(_ZH["place"])]
        if rng.random() < 0.5:
            words.append(rng.choice(_ZH["adverb"]))
        words.append(rng.choice(_ZH["verb"]))
        if rng.random() < 0.4:
            words.append("了")
        if rng.random() < 0.6:
            words.append(rng.choice(_ZH["measure"]))
        if rng.random() < 0.3:
            words += [rng.choice(_ZH["object"]), "的"]
        words.append(rng.choice(_ZH["object"]))
        return words

    def sentence() -> SegmentedSentence:
        words = ([rng.choice(_ZH["time"]), "，"] if rng.random() < 0.4 else []) + clause()
        if rng.random() < 0.3:
            words += ["，", "然后"] + clause()[1:]   # a second clause sharing the subject
        return SegmentedSentence(tuple(words + ["。"]))

    return SegmentationCorpus([sentence() for _ in range(n_train)], [sentence() for _ in range(n_test)])


# --------------------------------------------------------------------------- (c) parallel corpus
_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINALS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
             "nine": "ninth", "twelve": "twelfth"}


def number_to_words(n: int) -> str:
    """British English words for 0 <= n < 1,000,000: 3412 -> "three thousand four hundred and twelve"."""
    if not 0 <= n < 1_000_000:
        raise ValueError(f"number_to_words covers 0 to 999,999, not {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + number_to_words(rest))
    rest = n % 1000
    head = number_to_words(n // 1000) + " thousand"
    if rest == 0:
        return head
    return head + (" and " if rest < 100 else " ") + number_to_words(rest)


def ordinal_words(n: int) -> str:
    """1 -> "first", 22 -> "twenty second", 30 -> "thirtieth"."""
    words = number_to_words(n).split()
    last = words[-1]
    if last in _ORDINALS:
        last = _ORDINALS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join(words[:-1] + [last])


def year_words(year: int) -> str:
    """Years as they are spoken: 1999 "nineteen ninety nine", 1905 "nineteen oh five", 2007 "two thousand and seven"."""
    if 2000 <= year < 2010:
        return number_to_words(year)
    high, low = divmod(year, 100)
    if low == 0:
        return number_to_words(high) + " hundred"
    return number_to_words(high) + " " + ("oh " + _ONES[low] if low < 10 else number_to_words(low))


# An invented language, made by rules from English: subject-object-verb order, the
# adjective after its noun, an object marker "ko", a place marker "na", a plural
# suffix "-li" and a past-tense suffix "-ta".  Articles are dropped.
_INVENTED = {
    "noun": {"dog": "varu", "cat": "mesi", "bird": "tiko", "child": "nalo", "teacher": "sumeri",
             "farmer": "kopa", "river": "imba", "house": "dolu", "garden": "pelani", "book": "rasu",
             "apple": "omi", "boat": "faku"},
    "adj": {"small": "tin", "big": "gor", "red": "ruba", "old": "sev", "happy": "lua", "quiet": "mum"},
    "verb": {"see": ("sees", "saw", "wa"), "carry": ("carries", "carried", "pon"), "find": ("finds", "found", "ke"),
             "like": ("likes", "liked", "adi"), "follow": ("follows", "followed", "sul")},
}
_PLURALS = {"child": "children", "dog": "dogs", "cat": "cats", "bird": "birds", "teacher": "teachers",
            "farmer": "farmers", "river": "rivers", "house": "houses", "garden": "gardens", "book": "books",
            "apple": "apples", "boat": "boats"}


@dataclass(frozen=True)
class TranslationPair:
    source: str     # English (words separated by spaces)
    target: str     # the canonical form: digits, an ISO date, or the invented language

    @property
    def source_tokens(self) -> list[str]:
        return self.source.split()

    @property
    def target_tokens(self) -> list[str]:
        """Characters for digits and dates; words for the invented language."""
        return self.target.split() if " " in self.target else list(self.target)


@dataclass
class ParallelCorpus:
    kind: str
    train: list[TranslationPair]
    test: list[TranslationPair]


def _noun_phrase(rng: random.Random) -> tuple[str, str]:
    """(English, invented) for "the [adjective] noun[s]"."""
    noun = rng.choice(tuple(_INVENTED["noun"]))
    adj = rng.choice(tuple(_INVENTED["adj"])) if rng.random() < 0.5 else None
    plural = rng.random() < 0.3
    english = ["the"] + ([adj] if adj else []) + [_PLURALS[noun] if plural else noun]
    invented = [_INVENTED["noun"][noun] + ("li" if plural else "")] + ([_INVENTED["adj"][adj]] if adj else [])
    return " ".join(english), " ".join(invented)


def _pair(rng: random.Random, kind: str, max_number: int) -> TranslationPair:
    if kind == "numbers":
        n = rng.randrange(max_number)
        return TranslationPair(number_to_words(n), str(n))
    if kind == "dates":
        year, month, day = rng.randint(1900, 2099), rng.randint(1, 12), rng.randint(1, 28)
        month_name = _MONTHS[month - 1].lower()
        source = rng.choice((f"the {ordinal_words(day)} of {month_name} {year_words(year)}",
                             f"{month_name} the {ordinal_words(day)} , {year_words(year)}",
                             f"{ordinal_words(day)} {month_name} {year_words(year)}"))
        return TranslationPair(source, f"{year:04d}-{month:02d}-{day:02d}")
    if kind == "invented":
        (subj_en, subj_xx), (obj_en, obj_xx) = _noun_phrase(rng), _noun_phrase(rng)
        verb = rng.choice(tuple(_INVENTED["verb"]))
        present, past, stem = _INVENTED["verb"][verb]
        is_past = rng.random() < 0.5
        plural_subject = subj_xx.split()[0].endswith("li")
        verb_en = past if is_past else (verb if plural_subject else present)
        english = f"{subj_en} {verb_en} {obj_en}"
        invented = f"{subj_xx} {obj_xx} ko"
        if rng.random() < 0.3:
            place_en, place_xx = _noun_phrase(rng)
            english += f" in {place_en}"
            invented += f" {place_xx} na"
        return TranslationPair(english, f"{invented} {stem}{'ta' if is_past else ''}")
    raise ValueError(f"kind must be 'numbers', 'dates' or 'invented', not {kind!r}")


def parallel_corpus(kind: str = "numbers", n_train: int = 4000, n_test: int = 500, *, seed: int = 0,
                    max_number: int = 10_000) -> ParallelCorpus:
    """English against a canonical form, with no target shared between train and test.

    kind="numbers":  "three thousand four hundred and twelve" -> "3412" (0 <= n < ``max_number``)
    kind="dates":    "the fourth of july nineteen ninety nine" -> "1999-07-04" (three word orders)
    kind="invented": "the small dogs saw the red bird" -> "varuli tin tiko ruba ko wata"
                     (a rule-based language: SOV order, adjective after noun, markers and suffixes)
    """
    rng = random.Random(seed)
    pairs: dict[str, TranslationPair] = {}   # keyed by target, so train and test never share one
    attempts = 0
    while len(pairs) < n_train + n_test:
        pair = _pair(rng, kind, max_number)
        pairs.setdefault(pair.target, pair)
        attempts += 1
        if attempts > 50 * (n_train + n_test):
            raise ValueError(f"could not find {n_train + n_test} distinct {kind} pairs; ask for fewer")
    ordered = list(pairs.values())
    return ParallelCorpus(kind, ordered[:n_train], ordered[n_train:])


# --------------------------------------------------------------------------- (d) summarisation
# Each document reports one event.  Its key sentence states the whole event; every
# other sentence repeats one or two of its facts or none, so the key sentence is
# the most central one (what TextRank looks for) and the headline compresses it.
_PRODUCTS = ("battery", "solar panel", "bicycle", "robot", "chip", "drone", "tablet", "heat pump")
_TEAMS = ("Harbour City", "Riverside", "North Valley", "Old Town", "Lakeside", "Hill Park")
_EVENTS = {
    "factory": dict(
        key="{org} opened a new {product} factory in {city} on {date} , creating {n} jobs .",
        headline="{org} opens {product} factory in {city}",
        support=("the factory in {city} will make {product} parts for export .",
                 "{person} , a spokesperson for {org} , said the {product} line would start in the spring .",
                 "officials in {city} welcomed the {n} new jobs .",
                 "{org} already runs two other factories .",
                 "analysts said demand for each {product} has grown quickly .",
                 "the site in {city} was empty for ten years .")),
    "deal": dict(
        key="{org} agreed to buy {org2} for {n} million dollars on {date} .",
        headline="{org} to buy {org2}",
        support=("{org2} makes {product} parts in {city} .",
                 "{person} , who leads {org} , said the deal would close next year .",
                 "shares in {org2} rose after the news .",
                 "the price of {n} million dollars surprised some analysts .",
                 "{org} has bought three smaller firms since 2015 .",
                 "staff at {org2} in {city} were told on {date} .")),
    "launch": dict(
        key="{org} launched the {product} {model} in {city} on {date} , priced at {n} dollars .",
        headline="{org} launches {product} {model}",
        support=("the {model} is lighter than the last {product} from {org} .",
                 "{person} showed the {model} to a crowd in {city} .",
                 "at {n} dollars the {product} costs less than its rivals .",
                 "reviewers said the {model} was easy to use .",
                 "{org} expects to sell the {model} in forty countries .",
                 "shops in {city} opened early for the launch .")),
    "match": dict(
        key="{team} beat {team2} {a} - {b} in {city} on {date} .",
        headline="{team} beat {team2} {a} - {b}",
        support=("{person} scored twice for {team} .",
                 "{team2} had not lost at home since last season .",
                 "more than {n} fans watched the game in {city} .",
                 "the coach of {team} praised the young players .",
                 "{team2} will play again next week .",
                 "rain fell in {city} for most of the second half .")),
    "leader": dict(
        key="{org} named {person} as its new chief executive on {date} .",
        headline="{person} to lead {org}",
        support=("{person} has worked at {org} for {a} years .",
                 "the previous chief executive of {org} retired in {month} .",
                 "{person} grew up in {city} and studied engineering .",
                 "investors said {person} was a safe choice .",
                 "{org} employs about {n} people .",
                 "the board of {org} met in {city} to vote .")),
}
_FILLERS = ("the report was published in the morning .", "other news that day was quiet .",
            "the weather that week was mild .", "more details are expected soon .",
            "readers can find earlier stories on the same page .")


@dataclass(frozen=True)
class SummaryDocument:
    sentences: tuple[str, ...]   # space-tokenised sentences in reading order
    key_index: int               # which sentence states the main event
    headline: str                # a short abstractive summary of the key sentence
    event: str                   # the kind of event (one of the keys of _EVENTS)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def key_sentence(self) -> str:
        return self.sentences[self.key_index]


@dataclass
class SummaryCorpus:
    train: list[SummaryDocument]
    test: list[SummaryDocument]


def summary_documents(n_train: int = 1000, n_test: int = 200, *, seed: int = 0,
                      lead_fraction: float = 0.4) -> SummaryCorpus:
    """News-like documents, each with a known key sentence and headline.

    The key sentence comes first in ``lead_fraction`` of documents (so the lead-sentence
    baseline is right that often, no more) and anywhere in the rest.  Each document has
    three to five supporting sentences and up to two fillers that share nothing with it.
    """
    rng = random.Random(seed)

    def document() -> SummaryDocument:
        event = rng.choice(tuple(_EVENTS))
        spec = _EVENTS[event]
        orgs = [f"{head} {tail}" for head, tail in zip(rng.sample(_ORG_HEADS, 2), rng.sample(_ORG_TAILS, 2))]
        teams = rng.sample(_TEAMS, 2)
        facts = dict(
            org=orgs[0], org2=orgs[1],
            team=teams[0], team2=teams[1], city=rng.choice(_PLACES), product=rng.choice(_PRODUCTS),
            person=" ".join(_entity_words(rng, "PER", False, False)[:1] + [rng.choice(_LAST_NAMES)]),
            date=f"{rng.randint(1, 28)} {rng.choice(_MONTHS)}", month=rng.choice(_MONTHS),
            n=str(rng.choice((40, 120, 250, 300, 800, 1200, 5000))), model=f"{rng.choice('XSTZ')}{rng.randint(2, 9)}",
            a=str(rng.randint(1, 5)), b=str(rng.randint(0, 3)),
        )
        if event == "match" and int(facts["b"]) >= int(facts["a"]):
            facts["a"], facts["b"] = str(int(facts["b"]) + 1), facts["a"]
        support = [s.format(**facts) for s in rng.sample(spec["support"], rng.randint(3, 5))]
        fillers = rng.sample(_FILLERS, rng.randint(0, 2))
        others = support + fillers
        rng.shuffle(others)
        key = spec["key"].format(**facts)
        key_index = 0 if rng.random() < lead_fraction else rng.randint(1, len(others))
        sentences = others[:key_index] + [key] + others[key_index:]
        sentences = [s[:1].upper() + s[1:] for s in sentences]
        return SummaryDocument(tuple(sentences), key_index, spec["headline"].format(**facts), event)

    return SummaryCorpus([document() for _ in range(n_train)], [document() for _ in range(n_test)])
