"""Sampling from, and scoring, any language model whose forward maps (B, T) ids to (B, T, vocab) logits.

The GPT, the recurrent and MLP language models and the count n-gram model all
fit that shape, so one sampler and one scorer serve them all.
"""
from __future__ import annotations

import torch


def _device_of(model: torch.nn.Module) -> torch.device:
    """Where the model lives: its first parameter's device, or its first buffer's (a count model has no parameters)."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def next_token_probs(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                     top_p: float | None = None) -> torch.Tensor:
    """Turn next-token scores (..., vocab) into the probabilities the sampler draws from.

    temperature  divides the logits: below 1 sharpens the distribution, above 1 flattens it
    top_k        keeps only the k highest scores (ties with the k-th are kept) and renormalises
    top_p        nucleus sampling (Holtzman et al. 2020): keeps the most likely tokens, best first, until
                 their probability reaches top_p (after temperature and top-k), and renormalises
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError("top_p must be in (0, 1]")
    logits = logits.float() / temperature
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.size(-1)), dim=-1).values[..., -1:]   # the k-th largest score
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None:
        sorted_probs, order = torch.softmax(logits, dim=-1).sort(dim=-1, descending=True)
        above = sorted_probs.cumsum(dim=-1) - sorted_probs           # mass of the tokens ranked above each one
        drop = (above >= top_p).scatter(-1, order, above >= top_p)   # back in vocabulary order
        logits = logits.masked_fill(drop, float("-inf"))
    return torch.softmax(logits, dim=-1)


@torch.no_grad()
def generate(model: torch.nn.Module, prompt: torch.Tensor, new_tokens: int, *, temperature: float = 1.0,
             top_k: int | None = None, top_p: float | None = None, context: int | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
    """Extend ``prompt`` (T,) ids by ``new_tokens`` sampled tokens; return all (T + new_tokens,) ids.

    temperature  divides the logits: below 1 sharpens the distribution, above 1 flattens it
    top_k        keep only the k most likely tokens before sampling
    top_p        keep only the most likely tokens whose probabilities add up to top_p (nucleus sampling)
    context      feed at most the last ``context`` tokens (a GPT's block_size)
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    if len(prompt) == 0:
        raise ValueError("the prompt needs at least one token")
    model.eval()
    dev = _device_of(model)
    ids = prompt.to(dev).view(1, -1)
    context = context or getattr(getattr(model, "config", None), "block_size", None)
    for _ in range(new_tokens):
        window = ids if context is None else ids[:, -context:]
        logits = model(window)[:, -1, :]                                   # (1, vocab): the next token's scores
        probs = next_token_probs(logits, temperature, top_k, top_p)
        nxt = torch.multinomial(probs.cpu(), 1, generator=generator).to(dev)   # (1, 1)
        ids = torch.cat([ids, nxt], dim=1)
    return ids[0].cpu()


@torch.no_grad()
def evaluate_loss(model: torch.nn.Module, ids: torch.Tensor, *, block: int, batch: int = 32,
                  max_windows: int | None = 200) -> float:
    """Mean next-token cross-entropy (nats/token) over consecutive windows of a held-out stream.

    ``max_windows=None`` scores the whole stream (every full window of ``block`` tokens).
    """
    model.eval()
    dev = _device_of(model)
    # A window of ``block`` inputs needs ``block + 1`` tokens (its targets are shifted by one), so a window
    # may start at any s with s + block <= len(ids) - 1: (len(ids) - 1) // block windows fit.
    if len(ids) < block + 1:
        raise ValueError(f"a stream of {len(ids)} tokens is too short for one window of {block}")
    starts = torch.arange(0, len(ids) - block, block)[:max_windows]
    total, count = 0.0, 0
    for i in range(0, len(starts), batch):
        s = starts[i:i + batch]
        offsets = torch.arange(block)
        x = ids[s[:, None] + offsets].to(dev)
        y = ids[s[:, None] + offsets + 1].to(dev)
        logits = model(x).float()
        total += torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum").item()
        count += y.numel()
    return total / count


def nats_per_char(nats_per_token: float, n_tokens: int, n_chars: int) -> float:
    """Convert a loss per token into a loss per character of the same text.

    The text's total cost is the same whichever way it is cut: nats/token x tokens = nats/char x chars.
    Only per-character (or per-byte) losses compare models with different tokenisers.
    """
    return nats_per_token * n_tokens / n_chars
