"""word2vec: skip-gram with negative sampling (Mikolov et al., 2013), trained here.

The idea: a word is known by the company it keeps.  For every word in the corpus
(the *centre*), each word within ``window`` positions of it is a *context* word.
The model keeps two vectors per word, ``v`` (as a centre) and ``u`` (as a context),
and learns them so that sigma(v_c . u_o) is near 1 for real (centre, context) pairs
and near 0 for ``negatives`` random words drawn from the unigram distribution
raised to the 3/4 power.  The loss for one pair is eq. (4) of Mikolov et al. 2013b:

    -log sigma(v_c . u_o) - sum_{k=1..K} log sigma(-v_c . u_k),   u_k ~ P(w)^(3/4)

After training, the centre vectors ``v`` are the word vectors.

    sentences = subsample_frequent(sentences_as_ids, counts)   # fewer "the" and "."
    pairs = skipgram_pairs(sentences, window=5)
    model = SkipGram(Word2VecConfig(vocab_size=len(vocab)))
    train.fit(model, SkipGramBatches(pairs, counts, batch=1024), steps=2000, lr=5e-3)
    vectors = model.vectors()                       # (vocab, dim)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Word2VecConfig:
    vocab_size: int
    dim: int = 32              # width of each word vector
    negatives: int = 5         # K random "noise" words per real pair


class SkipGram(nn.Module):
    def __init__(self, config: Word2VecConfig):
        super().__init__()
        self.config = config
        self.centre = nn.Embedding(config.vocab_size, config.dim)    # v: the word vectors we keep
        self.context = nn.Embedding(config.vocab_size, config.dim)   # u: used only during training
        # word2vec's initialisation: small random centre vectors, zero context vectors
        nn.init.uniform_(self.centre.weight, -0.5 / config.dim, 0.5 / config.dim)
        nn.init.zeros_(self.context.weight)

    def loss(self, batch) -> torch.Tensor:
        """batch = (centre ids (B,), context ids (B,), negative ids (B, K)) -> mean negative-sampling loss."""
        centre, context, negatives = batch
        v = self.centre(centre)                                        # (B, dim)
        positive = (v * self.context(context)).sum(-1)                 # (B,): v_c . u_o
        negative = torch.bmm(self.context(negatives), v[:, :, None])   # (B, K, 1): v_c . u_k
        return -(F.logsigmoid(positive) + F.logsigmoid(-negative.squeeze(-1)).sum(-1)).mean()

    def vectors(self) -> torch.Tensor:
        """(vocab, dim) word vectors (the centre embeddings), detached on the CPU."""
        return self.centre.weight.detach().float().cpu()


def flatten(sentences) -> tuple[torch.Tensor, torch.Tensor]:
    """Sentences (lists of ids) -> one stream of ids (N,) and the sentence each id came from (N,)."""
    sentences = [torch.as_tensor(ids, dtype=torch.long) for ids in sentences]
    lengths = torch.tensor([len(ids) for ids in sentences], dtype=torch.long)
    stream = torch.cat(sentences) if sentences else torch.zeros(0, dtype=torch.long)
    return stream, torch.repeat_interleave(torch.arange(len(sentences)), lengths)


def subsample_frequent(sentences, counts, t: float = 1e-3, *, seed: int = 0) -> list[torch.Tensor]:
    """Drop occurrences of very frequent words at random, as word2vec's C code does.

    A word of relative frequency f is kept with probability min(1, sqrt(t / f) + t / f),
    so "the" and "." stop dominating the pairs while rare words are always kept.
    ``sentences`` are lists of word ids; ``counts`` holds each id's count.
    """
    generator = torch.Generator().manual_seed(seed)
    freq = torch.as_tensor(counts, dtype=torch.float64)
    ratio = t / (freq / freq.sum()).clamp_min(1e-12)
    keep_prob = (ratio.sqrt() + ratio).clamp(max=1.0)
    stream, sentence = flatten(sentences)
    keep = torch.rand(len(stream), generator=generator, dtype=torch.float64) < keep_prob[stream]
    lengths = torch.bincount(sentence[keep], minlength=len(sentences))
    return list(torch.split(stream[keep], lengths.tolist()))


def skipgram_pairs(sentences, window: int = 3) -> torch.Tensor:
    """(N, 2) (centre, context) id pairs: every two words at most ``window`` apart in a sentence, both ways round."""
    stream, sentence = flatten(sentences)
    pairs = []
    for offset in range(1, window + 1):
        same = sentence[:-offset] == sentence[offset:]          # both words in the same sentence
        a, b = stream[:-offset][same], stream[offset:][same]    # every pair `offset` apart
        pairs += [torch.stack([a, b], 1), torch.stack([b, a], 1)]
    return torch.cat(pairs) if pairs else torch.zeros(0, 2, dtype=torch.long)


class SkipGramBatches:
    """Random mini-batches of (centre, context, negatives) for ``train.fit``.

    Negatives are drawn from the unigram distribution raised to ``power`` (3/4 in
    the paper: rare words are drawn a little more often than their frequency).
    """

    def __init__(self, pairs: torch.Tensor, counts, *, batch: int = 1024, negatives: int = 5,
                 power: float = 0.75, seed: int = 0):
        if len(pairs) == 0:
            raise ValueError("no training pairs: are the sentences longer than one word?")
        self.pairs, self.batch, self.negatives = pairs, batch, negatives
        self.noise = torch.as_tensor(counts, dtype=torch.float64).clamp_min(0) ** power
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self):
        idx = torch.randint(len(self.pairs), (self.batch,), generator=self.generator)
        centre, context = self.pairs[idx, 0], self.pairs[idx, 1]
        negatives = torch.multinomial(self.noise, self.batch * self.negatives, replacement=True,
                                      generator=self.generator).view(self.batch, self.negatives)
        return centre, context, negatives
