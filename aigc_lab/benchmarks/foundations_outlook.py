"""The outlook notebook's parts of benchmark ``foundations`` (notebooks/01_foundations/04_outlook).

scaling     a family of character GPTs of growing width, same corpus, same tokens: held-out loss against
            non-embedding parameters N and compute C = 6 N D, a fitted power law L = a N^-b + c, its
            prediction for a model about 10x larger, and that model trained to check it.
multimodal  a CLIP-style model on shapes scenes and captions (retrieval both ways against chance, and with
            half the captions shuffled: data quality), a caption-conditioned VAE judged by a CNN trained on
            real shapes (colour, shape, position against chance), and a membership-inference AUC (privacy).

The notebook calls the same functions with the same ``outlook_settings()``, so its figures are these.
"""
from __future__ import annotations

import time

import torch

from .. import privacy, runtime, scaling, train
from ..data.image import load_digits, shuffled_batches
from ..data.shapes import COLOUR_NAMES, SHAPES, shapes_scenes, single_shapes
from ..data.text import CharTokenizer, LMBatches, python_docs_text, split_ids, unigram_entropy
from ..multimodal.captions import CaptionTokenizer
from ..multimodal.clip import CLIPConfig, ShapesCLIP, chance_retrieval, retrieval_accuracy, shuffle_captions
from ..multimodal.text_to_image import (CaptionVAE, TextToImageConfig, generate, judge_class, judge_relations,
                                        judge_single, shape_judge)
from ..text.gpt import GPT, GPTConfig
from ..text.sampling import evaluate_loss
from .foundations import PARTS


def outlook_settings() -> dict:
    """Per-profile sizes shared by the outlook notebook and this benchmark."""
    return {
        # scaling: GPT widths (n_layer layers, 2 heads), all trained on the same number of tokens
        "widths": runtime.pick(smoke=[8, 16, 24, 32], cpu=[8, 16, 24, 32, 48], gpu=[32, 48, 64, 96, 128]),
        "n_layer": runtime.pick(smoke=1, cpu=2, gpu=4),
        # the ~10x larger model that tests the fit: same depth, wider (width is the family's only variable)
        "check_width": runtime.pick(smoke=104, cpu=152, gpu=400),
        "block": runtime.pick(smoke=32, cpu=64, gpu=128),
        "batch": runtime.pick(smoke=8, cpu=16, gpu=64),
        "steps": runtime.pick(smoke=60, cpu=500, gpu=2000),
        "val_windows": runtime.pick(smoke=20, cpu=100, gpu=400),
        # multimodal
        "image_size": 24,
        "n_train_scenes": runtime.pick(smoke=600, cpu=3000, gpu=10000),
        "n_test_scenes": runtime.pick(smoke=200, cpu=500, gpu=1000),
        "clip_steps": runtime.pick(smoke=100, cpu=600, gpu=3000),
        "clip_batch": runtime.pick(smoke=32, cpu=64, gpu=256),
        "caption_noise": 0.5,                                         # share of training captions shuffled
        "t2i_steps": runtime.pick(smoke=300, cpu=1000, gpu=4000),
        "t2i_channels": runtime.pick(smoke=16, cpu=24, gpu=64),
        "judge_steps": runtime.pick(smoke=300, cpu=1500, gpu=3000),
        "n_drawings": runtime.pick(smoke=60, cpu=300, gpu=1000),
        # privacy: the FAQ notebook's over-fitted digits MLP, made tiny
        "privacy_members": 60,
        "privacy_steps": runtime.pick(smoke=150, cpu=600, gpu=600),
    }


# =========================================================================== scaling
def char_corpus() -> tuple[CharTokenizer, torch.Tensor, torch.Tensor]:
    """The bundled Python-docs text, character ids, last 10% held out."""
    text = python_docs_text()
    tokenizer = CharTokenizer(text)
    train_ids, val_ids = split_ids(tokenizer.encode(text), 0.1)
    return tokenizer, train_ids, val_ids


def train_gpt_size(config: GPTConfig, train_ids: torch.Tensor, val_ids: torch.Tensor, s: dict, *, device=None,
                   seed: int = 0) -> dict:
    """Train one member of the family for ``s["steps"]`` steps and score it on held-out text."""
    runtime.seed_everything(seed)
    model = GPT(config)
    data = LMBatches(train_ids, block=config.block_size, batch=s["batch"], seed=seed)
    started = time.process_time()
    history = train.fit(model, data, steps=s["steps"], lr=3e-3, warmup=s["steps"] // 10, device=device,
                        progress=False, log_every=max(1, s["steps"] // 10))
    cpu_seconds = time.process_time() - started
    tokens = history.step * s["batch"] * config.block_size
    params = scaling.non_embedding_params(model)
    return {"n_embd": config.n_embd, "n_layer": config.n_layer, "params": params,
            "all_params": runtime.count_params(model), "tokens": tokens,
            "flops": float(scaling.training_flops(params, tokens)),
            "val_loss": evaluate_loss(model, val_ids, block=config.block_size, max_windows=s["val_windows"]),
            "seconds": history.seconds, "cpu_seconds": cpu_seconds}


def gpt_config(vocab_size: int, n_embd: int, n_layer: int, block: int) -> GPTConfig:
    return GPTConfig(vocab_size, block_size=block, n_layer=n_layer, n_head=2, n_embd=n_embd)


def scaling_runs(s: dict | None = None, *, device=None) -> dict:
    """Train the family, fit the law, predict the ~10x model and train it: everything the scaling section shows."""
    s = s or outlook_settings()
    tokenizer, train_ids, val_ids = char_corpus()
    runtime.set_threads(1)
    runs = [train_gpt_size(gpt_config(tokenizer.vocab_size, w, s["n_layer"], s["block"]), train_ids, val_ids, s,
                           device=device) for w in s["widths"]]
    law = scaling.fit_power_law([r["params"] for r in runs], [r["val_loss"] for r in runs])
    check_config = gpt_config(tokenizer.vocab_size, s["check_width"], s["n_layer"], s["block"])
    check_params = scaling.non_embedding_params(GPT(check_config))
    predicted = law(check_params)
    check = train_gpt_size(check_config, train_ids, val_ids, s, device=device)
    return {"runs": runs, "law": law, "check": check, "predicted": predicted,
            "unigram_entropy": unigram_entropy(train_ids)}


def scaling_figures() -> dict:
    result = scaling_runs()
    runs, law, check = result["runs"], result["law"], result["check"]
    flops_per_second = sum(r["flops"] for r in runs) / sum(r["seconds"] for r in runs)
    return {
        "models": len(runs),
        "smallest_params": runs[0]["params"], "largest_params": runs[-1]["params"],
        "smallest_val_loss": round(runs[0]["val_loss"], 4), "largest_val_loss": round(runs[-1]["val_loss"], 4),
        "unigram_entropy": round(result["unigram_entropy"], 4),
        "fit_a": round(law.a, 4), "fit_exponent_b": round(law.b, 4), "fit_floor_c": round(law.c, 4),
        "check_params": check["params"],
        "check_size_ratio": round(check["params"] / runs[-1]["params"], 2),
        "check_predicted_loss": round(float(result["predicted"]), 4),
        "check_measured_loss": round(check["val_loss"], 4),
        "family_train_flops": float(sum(r["flops"] for r in runs)),
        "measured_flops_per_second": round(flops_per_second),
        "seconds": round(sum(r["seconds"] for r in runs) + check["seconds"], 1),
    }


# =========================================================================== multimodal
def scene_splits(s: dict, *, max_objects: int = 3, plain_background: bool = False):
    """Training scenes (seed 0) and held-out scenes (seed 1)."""
    kw = dict(size=s["image_size"], max_objects=max_objects, plain_background=plain_background)
    return shapes_scenes(s["n_train_scenes"], seed=0, **kw), shapes_scenes(s["n_test_scenes"], seed=1, **kw)


def train_clip(images: torch.Tensor, captions: list[str], s: dict, *, device=None, seed: int = 0) -> ShapesCLIP:
    runtime.seed_everything(seed)
    model = ShapesCLIP(CLIPConfig(image_size=s["image_size"]))
    ids = CaptionTokenizer().encode(captions)
    train.fit(model, shuffled_batches(images, ids, s["clip_batch"]), steps=s["clip_steps"], lr=2e-3,
              warmup=s["clip_steps"] // 10, device=device, progress=False, log_every=max(1, s["clip_steps"] // 10))
    return model.cpu().eval()


@torch.no_grad()
def clip_retrieval(model: ShapesCLIP, test) -> tuple[float, float]:
    """(image -> text, text -> image) top-1 accuracy over the held-out pool."""
    similarity = model.similarity(test.images, CaptionTokenizer().encode(test.captions))
    return retrieval_accuracy(similarity, test.captions)


def train_text_to_image(s: dict, *, device=None, seed: int = 0) -> tuple[CaptionVAE, object]:
    """A caption VAE on plain-background scenes with one or two objects; returns (model, held-out scenes)."""
    train_scenes, test_scenes = scene_splits(s, max_objects=2, plain_background=True)
    runtime.seed_everything(seed)
    model = CaptionVAE(TextToImageConfig(image_size=s["image_size"], channels=s["t2i_channels"]))
    ids = CaptionTokenizer().encode(train_scenes.captions)
    train.fit(model, shuffled_batches(train_scenes.images, ids, 64), steps=s["t2i_steps"], lr=2e-3,
              warmup=s["t2i_steps"] // 10, device=device, progress=False, log_every=max(1, s["t2i_steps"] // 10))
    return model.cpu().eval(), test_scenes


def train_judge(s: dict, *, device=None, seed: int = 0):
    """The independent judge: a SmallCNN trained on real plain-background single shapes (15 classes).
    Returns (judge, accuracy on held-out real shapes)."""
    n = max(1000, s["n_train_scenes"])
    real, shape_ids = single_shapes(n, size=s["image_size"], seed=2, plain_background=True)
    held, held_ids = single_shapes(300, size=s["image_size"], seed=3, plain_background=True)
    target = lambda scenes, shapes: torch.tensor([judge_class(int(k), int(c[0])) for k, c in  # noqa: E731
                                                  zip(shapes, scenes.colours)])
    runtime.seed_everything(seed)
    judge = shape_judge(s["image_size"])
    train.fit(judge, shuffled_batches(real.images, target(real, shape_ids), 64), steps=s["judge_steps"], lr=3e-3,
              device=device, progress=False, log_every=max(1, s["judge_steps"] // 5))
    judge = judge.cpu().eval()
    with torch.no_grad():
        accuracy = (judge(held.images).argmax(1) == target(held, held_ids)).float().mean().item()
    return judge, accuracy


def drawing_prompts(n: int, *, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` one-object captions and ``n`` two-object captions with two different colours, drawn at random."""
    g = torch.Generator().manual_seed(seed)
    pick = lambda k: torch.randint(k, (1,), generator=g).item()  # noqa: E731
    singles, pairs = [], []
    relations = ("left of", "right of", "above", "below")
    for _ in range(n):
        singles.append(f"a {COLOUR_NAMES[pick(5)]} {SHAPES[pick(3)]}")
        c1 = pick(5)
        c2 = (c1 + 1 + pick(4)) % 5
        pairs.append(f"a {COLOUR_NAMES[c1]} {SHAPES[pick(3)]} {relations[pick(4)]} a {COLOUR_NAMES[c2]} {SHAPES[pick(3)]}")
    return singles, pairs


def membership_leak(s: dict, *, seed: int = 0) -> tuple[float, float]:
    """The privacy FAQ's measurement, tiny: a digits MLP over-fitted to 60 'private' digits.
    Returns (membership-inference AUC, member train accuracy)."""
    digits = load_digits(16)
    n = s["privacy_members"]
    x_in, y_in, x_out, y_out = digits.x_train[:n], digits.y_train[:n], digits.x_test[:n], digits.y_test[:n]
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(s["privacy_steps"]):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x_in), y_in).backward()
        opt.step()
    with torch.no_grad():
        member = torch.nn.functional.cross_entropy(model(x_in), y_in, reduction="none")
        outside = torch.nn.functional.cross_entropy(model(x_out), y_out, reduction="none")
        train_accuracy = (model(x_in).argmax(1) == y_in).float().mean().item()
    return privacy.membership_inference_auc(member, outside), train_accuracy


def multimodal_figures() -> dict:
    s = outlook_settings()
    started = time.perf_counter()
    runtime.set_threads(1)
    train_scenes, test_scenes = scene_splits(s)
    clean = train_clip(train_scenes.images, train_scenes.captions, s)
    noisy = train_clip(train_scenes.images, shuffle_captions(train_scenes.captions, s["caption_noise"]), s)
    i2t, t2i = clip_retrieval(clean, test_scenes)
    noisy_i2t, noisy_t2i = clip_retrieval(noisy, test_scenes)
    generator, _ = train_text_to_image(s)
    judge, judge_accuracy = train_judge(s)
    singles, pairs = drawing_prompts(s["n_drawings"])
    g = torch.Generator().manual_seed(0)
    single_scores = judge_single(judge, generate(generator, singles, generator=g), singles)
    relation_accuracy = judge_relations(generate(generator, pairs, generator=g), pairs)
    auc, member_accuracy = membership_leak(s)
    return {
        "retrieval_pool": len(test_scenes),
        "retrieval_chance": round(chance_retrieval(test_scenes.captions), 4),
        "image_to_text_top1": round(i2t, 4), "text_to_image_top1": round(t2i, 4),
        "noisy_captions_share": s["caption_noise"],
        "noisy_image_to_text_top1": round(noisy_i2t, 4), "noisy_text_to_image_top1": round(noisy_t2i, 4),
        "judge_real_accuracy": round(judge_accuracy, 4),
        "drawn_colour_accuracy": round(single_scores["colour_accuracy"], 4),
        "drawn_shape_accuracy": round(single_scores["shape_accuracy"], 4),
        "drawn_both_accuracy": round(single_scores["both_accuracy"], 4),
        "drawn_relation_accuracy": round(relation_accuracy, 4),
        "chance_colour": round(1 / len(COLOUR_NAMES), 4), "chance_shape": round(1 / len(SHAPES), 4),
        "chance_relation": 0.5,
        "membership_auc": round(auc, 4), "membership_train_accuracy": round(member_accuracy, 4),
        "seconds": round(time.perf_counter() - started, 1),
    }


PARTS["scaling"] = scaling_figures
PARTS["multimodal"] = multimodal_figures
