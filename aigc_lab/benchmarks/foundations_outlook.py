"""The outlook notebook's parts of benchmark ``foundations`` (notebooks/01_foundations/04_outlook).

scaling     a family of character GPTs of growing width, same corpus, same tokens: held-out loss against
            non-embedding parameters N and compute C = 6 N D, a fitted power law L = a N^-b + c, its
            prediction for a model about 10x larger, and that model trained to check it.
multimodal  a CLIP-style model on shapes scenes and captions (retrieval both ways against chance, and with
            half the captions shuffled: data quality), a caption-conditioned VAE judged by a CNN trained on
            real shapes (colour, shape, position against chance), and a membership-inference AUC (privacy).

The notebook calls the same recipes (``text.scaling_recipe``, ``multimodal.clip_recipe``,
``faq.membership_leak``) with the same settings, so its figures are these.
"""
from __future__ import annotations

import time

import torch

from .. import runtime
from ..data.shapes import COLOUR_NAMES, SHAPES
from ..faq import membership_leak
from ..multimodal.clip import chance_retrieval, shuffle_captions
from ..multimodal.clip_recipe import (clip_retrieval, drawing_prompts, multimodal_settings, scene_splits, train_clip,
                                      train_judge, train_text_to_image)
from ..multimodal.text_to_image import generate, judge_relations, judge_single
from ..text.scaling_recipe import scaling_runs


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


def multimodal_figures() -> dict:
    s = multimodal_settings()
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
    auc, member_accuracy = membership_leak()
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
