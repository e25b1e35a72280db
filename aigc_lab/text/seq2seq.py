"""A sequence-to-sequence model with attention: a bidirectional LSTM encoder and an LSTM decoder (Bahdanau et al., 2015).

The encoder reads the whole source and keeps one vector per source token (the
"memory").  The decoder writes the output one token at a time; before each token
it *attends*: it scores every memory vector against its own state, turns the
scores into weights with a softmax and reads their weighted average (the
"context").  So the decoder can look back at the right source words whatever the
length of the source, which a single fixed-size summary vector cannot do.

    e_ts  = v^T tanh(W_q h_{t-1} + W_k m_s)       additive score (Bahdanau et al., section 3.1, appendix A)
    a_t   = softmax_s(e_ts)                        attention weights over source positions (pads get 0)
    c_t   = sum_s a_ts m_s                         the context vector
    h_t   = LSTM([embed(y_{t-1}); c_t], h_{t-1})   the decoder state
    p(y_t | ...) = softmax(W_o tanh(W [h_t; c_t; embed(y_{t-1})]))

Training uses teacher forcing (the decoder is fed the true previous token) through
``model.loss(batch)``.  Inference is separate: ``greedy_decode`` and ``beam_search``
below work with any model that has ``start(src) -> state`` and
``step(state, y) -> (logits, state, attention)``, so they also decode the
Transformer in ``transformer_mt.py``.

    vocab = build_vocab(token_lists)               # ids 0-3 are <pad> <unk> <bos> <eos>
    src = encode_sources(source_tokens, src_vocab) # (N, S) right-padded with 0
    tgt = encode_targets(target_tokens, tgt_vocab) # (N, T) <bos> ... <eos>, right-padded
    model = Seq2Seq(Seq2SeqConfig(len(src_vocab), len(tgt_vocab)))
    train.fit(model, pair_batches(src, tgt, 32), steps=2000)
    tokens, attention = greedy_decode(model, src[:8])
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .bow import PAD as PAD_TOKEN
from .bow import UNK as UNK_TOKEN
from .bow import Vocabulary, encode_padded

PAD, UNK, BOS, EOS = 0, 1, 2, 3
BOS_TOKEN, EOS_TOKEN = "<bos>", "<eos>"


# --------------------------------------------------------------------------- vocabulary and batches
def build_vocab(token_lists, *, min_count: int = 1) -> Vocabulary:
    """Words seen at least ``min_count`` times, after the four special tokens <pad> <unk> <bos> <eos>."""
    base = Vocabulary.build(token_lists, min_count=min_count)
    return Vocabulary([PAD_TOKEN, UNK_TOKEN, BOS_TOKEN, EOS_TOKEN] + base.words[2:], base.counts)


def encode_sources(token_lists, vocab: Vocabulary, max_len: int | None = None) -> torch.Tensor:
    """(N, S) source ids, right-padded with <pad> = 0."""
    return encode_padded(token_lists, vocab, max_len)


def encode_targets(token_lists, vocab: Vocabulary) -> torch.Tensor:
    """(N, T) target ids: <bos>, the words, <eos>, then <pad> = 0."""
    return encode_padded([[BOS_TOKEN, *tokens, EOS_TOKEN] for tokens in token_lists], vocab)


def ids_to_tokens(ids, vocab: Vocabulary) -> list[str]:
    """Ids back to words, stopping at <eos> and leaving out <bos> and <pad>."""
    out = []
    for i in ids:
        i = int(i)
        if i == EOS:
            break
        if i not in (PAD, BOS):
            out.append(vocab.words[i])
    return out


def pair_batches(src: torch.Tensor, tgt: torch.Tensor, batch: int, *, seed: int = 0):
    """A callable returning random (src, tgt) mini-batches for ``train.fit``, cut to their longest row.

    Cutting off the columns that are padding in every row saves the encoder from
    reading them; it happens here, on the CPU, before the batch goes to the device.
    """
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        idx = torch.randint(len(src), (batch,), generator=generator)
        s, t = src[idx], tgt[idx]
        return s[:, :int(s.ne(PAD).sum(1).max())], t[:, :int(t.ne(PAD).sum(1).max())]

    return next_batch


# --------------------------------------------------------------------------- the model
def reject_empty_rows(mask: torch.Tensor, what: str = "source") -> None:
    """Raise a clear error for a row of ``mask`` (B, S), True at real tokens, that holds no token at all.

    Attention over such a row has nothing to look at: a softmax over scores that are all
    -inf is NaN, and the NaN would spread through the whole batch's loss.
    """
    empty = (~mask.any(dim=1)).nonzero().flatten().tolist()
    if empty:
        raise ValueError(f"{what} row {empty[0]} is all padding (<pad> = {PAD}); rows {empty} hold no token: "
                         f"drop empty sentences before batching")


def reverse_padded(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first ``lengths[b]`` positions and leave its padding where it is.

    x (B, S, ...), lengths (B,): [a b c <pad>] -> [c b a <pad>].  Applying it twice gives x back.
    """
    positions = torch.arange(x.size(1), device=x.device)[None, :]                   # (1, S)
    index = torch.where(positions < lengths[:, None], lengths[:, None] - 1 - positions, positions)  # (B, S)
    return x.gather(1, index.view(*index.shape, *([1] * (x.dim() - 2))).expand_as(x))


@dataclass
class Seq2SeqConfig:
    src_vocab: int          # source vocabulary size (including the 4 special tokens)
    tgt_vocab: int          # target vocabulary size
    emb: int = 64           # word embedding width, source and target
    hidden: int = 128       # LSTM width: each encoder direction, and the decoder
    dropout: float = 0.1    # on embeddings and before the output layer


class Seq2Seq(nn.Module):
    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        self.config = config
        e, h = config.emb, config.hidden
        self.src_emb = nn.Embedding(config.src_vocab, e, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(config.tgt_vocab, e, padding_idx=PAD)
        self.enc_forward = nn.LSTM(e, h, batch_first=True)     # reads left to right
        self.enc_backward = nn.LSTM(e, h, batch_first=True)    # reads right to left (rows reversed)
        self.bridge_h = nn.Linear(2 * h, h)                    # both directions' summaries -> first decoder state
        self.bridge_c = nn.Linear(2 * h, h)
        self.att_key = nn.Linear(2 * h, h, bias=False)         # W_k, applied once per source
        self.att_query = nn.Linear(h, h)                       # W_q, applied at every decoder step
        self.att_v = nn.Linear(h, 1, bias=False)               # v
        self.cell = nn.LSTMCell(e + 2 * h, h)
        self.pre_out = nn.Linear(h + 2 * h + e, h)
        self.out = nn.Linear(h, config.tgt_vocab)
        self.drop = nn.Dropout(config.dropout)

    def start(self, src: torch.Tensor) -> dict[str, torch.Tensor]:
        """Encode (B, S) source ids; return the decoder's starting state (every tensor has batch first)."""
        mask = src.ne(PAD)                                                    # (B, S) True at real tokens
        reject_empty_rows(mask)
        lengths = mask.sum(1)                                                 # (B,) at least 1 each
        x = self.drop(self.src_emb(src))                                      # (B, S, emb)
        fwd, _ = self.enc_forward(x)                                          # (B, S, h); pads come last, so
        bwd, _ = self.enc_backward(reverse_padded(x, lengths))                # they never reach a real position
        bwd = reverse_padded(bwd, lengths)                                    # back in reading order
        memory = torch.cat([fwd, bwd], dim=-1) * mask[:, :, None]             # (B, S, 2h), zero at pads
        last = (lengths - 1)[:, None, None].expand(-1, 1, fwd.size(-1))
        summary = torch.cat([fwd.gather(1, last).squeeze(1), bwd[:, 0]], dim=-1)  # (B, 2h): end of each direction
        return {"memory": memory,
                "keys": self.att_key(memory),                                 # (B, S, h): W_k m_s, computed once
                "mask": mask,
                "hidden": torch.tanh(self.bridge_h(summary)),                 # (B, h)
                "cell": self.bridge_c(summary)}                               # (B, h) the LSTM's memory cell

    def step(self, state: dict, y_prev: torch.Tensor):
        """One decoder step: (B,) previous tokens -> (B, V) logits, the new state, (B, S) attention weights."""
        e = self.drop(self.tgt_emb(y_prev))                                              # (B, emb)
        query = self.att_query(state["hidden"])[:, None, :]                              # (B, 1, h)
        scores = self.att_v(torch.tanh(state["keys"] + query)).squeeze(-1)              # (B, S)
        weights = scores.masked_fill(~state["mask"], float("-inf")).softmax(dim=-1)     # (B, S)
        context = torch.bmm(weights[:, None, :], state["memory"]).squeeze(1)            # (B, 2h)
        hidden, cell = self.cell(torch.cat([e, context], dim=-1), (state["hidden"], state["cell"]))
        logits = self.out(self.drop(torch.tanh(self.pre_out(torch.cat([hidden, context, e], dim=-1)))))
        return logits, {**state, "hidden": hidden, "cell": cell}, weights

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor):
        """Teacher forcing: (B, S) source, (B, T) decoder inputs -> (B, T, V) logits, (B, T, S) attention."""
        state = self.start(src)
        logits, attention = [], []
        for t in range(tgt_in.size(1)):
            step_logits, state, weights = self.step(state, tgt_in[:, t])
            logits.append(step_logits)
            attention.append(weights)
        return torch.stack(logits, dim=1), torch.stack(attention, dim=1)

    def loss(self, batch) -> torch.Tensor:
        """Cross-entropy of each next target token given the true previous ones; padding is ignored."""
        src, tgt = batch
        logits, _ = self(src, tgt[:, :-1])          # inputs <bos> w1 ... wn, targets w1 ... wn <eos>
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), tgt[:, 1:].reshape(-1), ignore_index=PAD)


# --------------------------------------------------------------------------- decoding (any model with start / step)
def _reorder(state: dict, index: torch.Tensor) -> dict:
    return {k: v.index_select(0, index) for k, v in state.items()}


@torch.no_grad()
def greedy_decode(model: nn.Module, src: torch.Tensor, *, max_len: int = 40):
    """Pick the most likely token at every step, for a whole batch at once.

    Returns ``(tokens, attention)``: for each source row, the list of output ids (without
    <bos> and <eos>) and a (len(output) + 1, S) tensor of attention weights (the last row
    is the step that wrote <eos>, when there is one).
    """
    model.eval()
    state = model.start(src)
    y = torch.full((src.size(0),), BOS, dtype=torch.long, device=src.device)
    steps, weights_per_step = [], []
    done = torch.zeros(src.size(0), dtype=torch.bool, device=src.device)
    for _ in range(max_len):
        logits, state, weights = model.step(state, y)
        y = logits.argmax(dim=-1)                                   # (B,)
        steps.append(y)
        weights_per_step.append(weights.float())
        done |= y.eq(EOS)
        if bool(done.all()):
            break
    ids = torch.stack(steps, dim=1).cpu()                           # (B, steps)
    attention = torch.stack(weights_per_step, dim=1).cpu()          # (B, steps, S)
    tokens, attn = [], []
    for row in range(src.size(0)):
        out = ids[row].tolist()
        n = out.index(EOS) if EOS in out else len(out)
        tokens.append(out[:n])
        attn.append(attention[row, :n + 1])
    return tokens, attn


@torch.no_grad()
def beam_search(model: nn.Module, src: torch.Tensor, *, beam: int = 4, max_len: int = 40,
                length_penalty: float = 1.0):
    """Keep the ``beam`` best partial outputs at every step instead of only the best one.

    ``src`` is one (S,) source.  A finished hypothesis is ranked by its total log-probability
    divided by ``len ** length_penalty`` (without that, shorter outputs always win).
    Returns ``(tokens, attention)`` for the best hypothesis, as ``greedy_decode`` does for one row.
    """
    model.eval()
    state = model.start(src[None])                                        # one hypothesis to begin with
    y = torch.full((1,), BOS, dtype=torch.long, device=src.device)
    scores = torch.zeros(1, device=src.device)                            # (k,) summed log-probabilities
    tokens = torch.zeros(1, 0, dtype=torch.long, device=src.device)      # (k, t)
    attention = torch.zeros(1, 0, src.size(0), device=src.device)        # (k, t, S)
    finished = []                                                         # (normalised score, ids, attention)
    for _ in range(max_len):
        logits, state, weights = model.step(state, y)
        total = scores[:, None] + logits.float().log_softmax(dim=-1)     # (k, V)
        vocab = total.size(1)
        best = total.flatten().topk(min(2 * beam, total.numel()))        # 2k candidates: up to k may end here
        keep = []
        for score, flat in zip(best.values.tolist(), best.indices.tolist()):
            origin, token = divmod(flat, vocab)
            if token == EOS:
                n = tokens.size(1) + 1
                finished.append((score / n ** length_penalty, tokens[origin].tolist(),
                                 torch.cat([attention[origin], weights[origin, None].float()]).cpu()))
            else:
                keep.append((origin, token, score))
            if len(keep) == beam:
                break
        if len(finished) >= beam or not keep:
            break
        origin = torch.tensor([k[0] for k in keep], device=src.device)
        y = torch.tensor([k[1] for k in keep], device=src.device)
        scores = torch.tensor([k[2] for k in keep], device=src.device)
        state = _reorder(state, origin)
        tokens = torch.cat([tokens[origin], y[:, None]], dim=1)
        attention = torch.cat([attention[origin], weights.float()[origin, None]], dim=1)
    if not finished:   # nothing ended within max_len: take the best unfinished one
        finished.append((scores[0].item() / max(1, tokens.size(1)) ** length_penalty, tokens[0].tolist(),
                         attention[0].cpu()))
    _, ids, attn = max(finished, key=lambda f: f[0])
    return ids, attn
