"""Sampling from any language model whose forward maps (B, T) ids to (B, T, vocab) logits."""
from __future__ import annotations

import torch


@torch.no_grad()
def generate(model: torch.nn.Module, prompt: torch.Tensor, new_tokens: int, *, temperature: float = 1.0,
             top_k: int | None = None, context: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """Extend ``prompt`` (T,) ids by ``new_tokens`` sampled tokens; return all (T + new_tokens,) ids.

    temperature  divides the logits: below 1 sharpens the distribution, above 1 flattens it
    top_k        keep only the k most likely tokens before sampling
    context      feed at most the last ``context`` tokens (a GPT's block_size)
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    model.eval()
    dev = next(model.parameters()).device
    ids = prompt.to(dev).view(1, -1)
    context = context or getattr(getattr(model, "config", None), "block_size", None)
    for _ in range(new_tokens):
        window = ids if context is None else ids[:, -context:]
        logits = model(window)[:, -1, :].float() / temperature        # (1, vocab): the next token's scores
        if top_k is not None:
            kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        probs = torch.softmax(logits, dim=-1)
        nxt = torch.multinomial(probs.cpu(), 1, generator=generator).to(dev)   # (1, 1)
        ids = torch.cat([ids, nxt], dim=1)
    return ids[0].cpu()


@torch.no_grad()
def evaluate_loss(model: torch.nn.Module, ids: torch.Tensor, *, block: int, batch: int = 32, max_windows: int = 200) -> float:
    """Mean next-token cross-entropy (nats/token) over consecutive windows of a held-out stream."""
    model.eval()
    dev = next(model.parameters()).device
    starts = torch.arange(0, len(ids) - block - 1, block)[:max_windows]
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
