"""A Transformer encoder-decoder for translation (Vaswani et al., 2017), small enough for a CPU.

No recurrence: every layer lets each position look at every other one through
attention, so all source positions are processed at once.

    encoder layer:  x = x + SelfAttention(LN(x));  x = x + FeedForward(LN(x))
    decoder layer:  y = y + CausalSelfAttention(LN(y))       (position t sees outputs 0..t only)
                    y = y + CrossAttention(LN(y), memory)    (queries from the output, keys/values from the source)
                    y = y + FeedForward(LN(y))
    Attention(Q, K, V) = softmax(Q K^T / sqrt(d_head)) V     eq. (1), computed per head, heads concatenated

Layer norm comes before each sub-layer ("pre-LN"), which trains more stably than
the paper's post-LN at this size.  Positions are added as the paper's sinusoids
(section 3.5).  ``MultiHeadAttention`` uses ``F.scaled_dot_product_attention``
(the fused kernel) unless the attention weights are asked for, when it computes
them explicitly for the heat-maps; ``tests/test_translation.py`` checks both paths
against ``nn.MultiheadAttention``.

The model offers ``start(src)`` and ``step(state, y)``, so ``seq2seq.greedy_decode``
and ``seq2seq.beam_search`` decode it exactly as they decode the LSTM model
(``seq2seq.Seq2Seq``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .seq2seq import PAD, reject_empty_rows


@dataclass
class TransformerMTConfig:
    src_vocab: int          # source vocabulary size (including the special tokens)
    tgt_vocab: int          # target vocabulary size
    d_model: int = 64       # width of every position's vector
    n_heads: int = 4        # attention heads per layer (d_model must divide by it)
    n_layers: int = 2       # encoder layers, and as many decoder layers
    d_ff: int = 128         # hidden width of the feed-forward sub-layer
    max_len: int = 128      # longest source or target the positional table covers
    dropout: float = 0.1    # on embeddings and sub-layer outputs


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} is not divisible by n_heads={n_heads}")
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.proj = nn.Linear(d_model, d_model)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        return x.view(b, t, self.n_heads, self.d_head).transpose(1, 2)     # (B, heads, T, d_head)

    def forward(self, query, key, value, *, key_padding_mask=None, causal: bool = False, need_weights: bool = False):
        """query (B, T, d), key/value (B, S, d); key_padding_mask (B, S) True at padding.

        Returns the output (B, T, d) and, when ``need_weights``, the weights (B, heads, T, S), else None.
        """
        q, k, v = self._heads(self.q(query)), self._heads(self.k(key)), self._heads(self.v(value))
        t, s = q.size(2), k.size(2)
        allowed = None                                                       # (B, 1, T, S) True where attention may look
        if key_padding_mask is not None:
            allowed = ~key_padding_mask[:, None, None, :]
        if causal:
            future = torch.ones(t, s, dtype=torch.bool, device=q.device).tril()
            allowed = future if allowed is None else allowed & future
        if need_weights:
            scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)      # (B, heads, T, S)
            if allowed is not None:
                scores = scores.masked_fill(~allowed, float("-inf"))
            weights = scores.softmax(dim=-1)
            out = weights @ v
        else:
            weights = None
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        out = out.transpose(1, 2).reshape(query.size(0), t, -1)             # heads side by side again: (B, T, d)
        return self.proj(out), weights


def feed_forward(config: TransformerMTConfig) -> nn.Sequential:
    return nn.Sequential(nn.Linear(config.d_model, config.d_ff), nn.ReLU(), nn.Linear(config.d_ff, config.d_model))


class EncoderLayer(nn.Module):
    def __init__(self, config: TransformerMTConfig):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(config.d_model), nn.LayerNorm(config.d_model)
        self.attn = MultiHeadAttention(config.d_model, config.n_heads)
        self.ff = feed_forward(config)
        self.drop = nn.Dropout(config.dropout)

    def forward(self, x, src_pad):
        h = self.ln1(x)
        x = x + self.drop(self.attn(h, h, h, key_padding_mask=src_pad)[0])
        return x + self.drop(self.ff(self.ln2(x)))


class DecoderLayer(nn.Module):
    def __init__(self, config: TransformerMTConfig):
        super().__init__()
        self.ln1, self.ln2, self.ln3 = (nn.LayerNorm(config.d_model) for _ in range(3))
        self.self_attn = MultiHeadAttention(config.d_model, config.n_heads)
        self.cross_attn = MultiHeadAttention(config.d_model, config.n_heads)
        self.ff = feed_forward(config)
        self.drop = nn.Dropout(config.dropout)

    def forward(self, y, memory, src_pad, need_weights: bool = False):
        h = self.ln1(y)
        y = y + self.drop(self.self_attn(h, h, h, causal=True)[0])   # pads sit at the end: causality hides them
        cross, weights = self.cross_attn(self.ln2(y), memory, memory, key_padding_mask=src_pad,
                                         need_weights=need_weights)
        y = y + self.drop(cross)
        return y + self.drop(self.ff(self.ln3(y))), weights


def sinusoids(max_len: int, d_model: int) -> torch.Tensor:
    """(max_len, d_model) positional encodings: sin and cos at geometrically spaced frequencies (section 3.5)."""
    position = torch.arange(max_len, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    table = torch.zeros(max_len, d_model)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)
    return table


class TransformerMT(nn.Module):
    def __init__(self, config: TransformerMTConfig):
        super().__init__()
        self.config = config
        self.src_emb = nn.Embedding(config.src_vocab, config.d_model, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(config.tgt_vocab, config.d_model, padding_idx=PAD)
        self.register_buffer("positions", sinusoids(config.max_len, config.d_model), persistent=False)
        self.encoder = nn.ModuleList(EncoderLayer(config) for _ in range(config.n_layers))
        self.decoder = nn.ModuleList(DecoderLayer(config) for _ in range(config.n_layers))
        self.ln_enc, self.ln_dec = nn.LayerNorm(config.d_model), nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.tgt_vocab)
        self.drop = nn.Dropout(config.dropout)
        for table in (self.src_emb, self.tgt_emb):
            # std d^-1/2, so that after the sqrt(d) scaling in _embed a word vector has entries of about 1,
            # the size of the positional sinusoids (PyTorch's default std of 1 would drown the positions)
            nn.init.normal_(table.weight, std=config.d_model ** -0.5)
            with torch.no_grad():
                table.weight[PAD].zero_()

    def _embed(self, table: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
        if ids.size(1) > self.config.max_len:
            raise ValueError(f"a sequence of {ids.size(1)} tokens is longer than max_len={self.config.max_len}")
        return self.drop(table(ids) * math.sqrt(self.config.d_model) + self.positions[:ids.size(1)])

    def encode(self, src: torch.Tensor):
        """(B, S) source ids -> memory (B, S, d) and the padding mask (B, S), True at pads."""
        src_pad = src.eq(PAD)
        reject_empty_rows(~src_pad)                   # a row of pads only would give NaN attention
        x = self._embed(self.src_emb, src)
        for layer in self.encoder:
            x = layer(x, src_pad)
        return self.ln_enc(x), src_pad

    def decode(self, tgt_in, memory, src_pad, need_weights: bool = False):
        """(B, T) decoder inputs -> (B, T, V) logits and, if asked, the last layer's cross-attention (B, heads, T, S)."""
        y = self._embed(self.tgt_emb, tgt_in)
        weights = None
        for i, layer in enumerate(self.decoder):
            y, weights = layer(y, memory, src_pad, need_weights=need_weights and i == len(self.decoder) - 1)
        return self.head(self.ln_dec(y)), weights

    def forward(self, src, tgt_in, need_weights: bool = False):
        memory, src_pad = self.encode(src)
        return self.decode(tgt_in, memory, src_pad, need_weights)

    def loss(self, batch) -> torch.Tensor:
        """Cross-entropy of every next target token at once (the causal mask stands in for teacher forcing's loop)."""
        src, tgt = batch
        logits, _ = self(src, tgt[:, :-1])
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), tgt[:, 1:].reshape(-1), ignore_index=PAD)

    # ---- the decoding interface shared with seq2seq.Seq2Seq
    def start(self, src: torch.Tensor) -> dict[str, torch.Tensor]:
        memory, src_pad = self.encode(src)
        prefix = torch.zeros(src.size(0), 0, dtype=torch.long, device=src.device)
        return {"memory": memory, "src_pad": src_pad, "prefix": prefix}

    def step(self, state: dict, y_prev: torch.Tensor):
        """Append (B,) tokens to the prefix and run the decoder over it (no cache: outputs here are short).

        Returns (B, V) logits for the next token, the new state, and (B, S) cross-attention
        weights of the last position, averaged over the heads of the last layer.
        """
        prefix = torch.cat([state["prefix"], y_prev[:, None]], dim=1)
        logits, weights = self.decode(prefix, state["memory"], state["src_pad"], need_weights=True)
        return logits[:, -1], {**state, "prefix": prefix}, weights[:, :, -1].mean(dim=1)
