"""Train a character-level GPT on any text: the recipe behind the notebooks and ``aigc-lab train char-lm``.

The last 10% of the text is held out; the returned validation loss is the mean
next-character cross-entropy on it, in nats per character, to compare with the
unigram entropy (a model that ignores context).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .. import runtime, train
from ..data.text import CharTokenizer, LMBatches, split_ids, unigram_entropy
from .gpt import GPT, GPTConfig
from .sampling import evaluate_loss


@dataclass
class CharLMResult:
    model: GPT
    tokenizer: CharTokenizer
    history: train.History
    val_loss: float              # nats per character on the held-out last 10%
    unigram_entropy: float       # nats per character of the training text's character frequencies
    params: int
    tokens_per_s: float
    seconds: float


def train_char_lm(text: str, config: GPTConfig | None = None, *, steps: int | None, batch: int = 32, lr: float = 3e-3,
                  warmup: int | None = None, max_seconds: float | None = None, device=None, seed: int = 0,
                  checkpoint_dir=None,
                  resume: bool = False, progress: bool = True, checkpoint_seconds: float | None = 60.0) -> CharLMResult:
    """Train a GPT on ``text`` character by character and score it on the held-out tail.

    ``steps=None`` trains to the time budget ``max_seconds`` with the learning rate decaying over the
    fraction of it used (see ``train.fit``). ``warmup`` defaults to a tenth of ``steps`` (at most 100).
    """
    runtime.seed_everything(seed)
    tokenizer = CharTokenizer(text)
    train_ids, val_ids = split_ids(tokenizer.encode(text), 0.1)
    config = config or GPTConfig(vocab_size=tokenizer.vocab_size)
    config.vocab_size = tokenizer.vocab_size
    model = GPT(config)
    runtime.set_threads(params=runtime.count_params(model))
    # A time-budgeted run on the CPU keeps re-checking whether one thread or every core is faster (the load of a
    # laptop changes while it trains); a step-budgeted run keeps one count, so the same command gives the same model.
    chooser = runtime.ThreadChooser() if steps is None and runtime.device(device).type == "cpu" else None
    if warmup is None:
        warmup = min(100, steps // 10) if steps is not None else 100
    history = train.fit(model, LMBatches(train_ids, block=config.block_size, batch=batch, seed=seed), steps=steps,
                        lr=lr, warmup=warmup, max_seconds=max_seconds, device=device,
                        checkpoint_dir=checkpoint_dir, checkpoint_seconds=checkpoint_seconds, resume=resume,
                        progress=progress, on_step_end=chooser,
                        config={"gpt": asdict(config), "chars": "".join(tokenizer.chars), "steps": steps})
    val_loss = evaluate_loss(model, val_ids, block=config.block_size, max_windows=None)   # the whole held-out 10%
    return CharLMResult(model, tokenizer, history, val_loss, unigram_entropy(train_ids), runtime.count_params(model),
                        tokens_per_s=history.step * batch * config.block_size / max(history.seconds, 1e-9),
                        seconds=history.seconds)


def load_char_lm(directory, device=None) -> tuple[GPT, CharTokenizer]:
    """Rebuild a character GPT and its tokenizer from a checkpoint written by ``train_char_lm``."""
    from .. import checkpoint

    state = checkpoint.read_state(directory)
    config = state.get("config", {})
    if "gpt" not in config or "chars" not in config:
        raise checkpoint.CheckpointError(f"{directory} is a checkpoint, but not of a character language model")
    tokenizer = CharTokenizer(config["chars"])
    model = GPT(GPTConfig(**config["gpt"]))
    checkpoint.load(directory, model)
    return model.to(runtime.device(device)).eval(), tokenizer
