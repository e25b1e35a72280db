"""Benchmark ``concepts``: the models of notebooks/01_foundations/01_concepts, trained by the same recipes
(``aigc_lab.concepts_recipe``).

Figures: test accuracy of an MLP and a CNN on 16x16 digits against the majority
class, and a character GPT's held-out loss on Python's docs against the unigram
entropy.  Sizes follow the profile, exactly as in the notebook.
"""
from __future__ import annotations

from ..bench import register
from ..concepts_recipe import concept_settings
from ..data.image import load_digits
from ..data.text import python_docs_text
from ..image.classify import train_classifier
from ..image.cnn import CNNConfig, SmallCNN
from ..image.mlp import MLPClassifier, MLPConfig
from ..text.char_lm import train_char_lm


@register("concepts", "Part 1 concepts: MLP and CNN on 16x16 digits; a character GPT on Python's docs")
def concepts() -> dict:
    s = concept_settings()
    digits = load_digits(16)
    mlp = train_classifier(MLPClassifier(MLPConfig()), digits, steps=s["classifier_steps"], progress=False)
    cnn = train_classifier(SmallCNN(CNNConfig()), digits, steps=s["classifier_steps"], progress=False)
    lm = train_char_lm(python_docs_text(), s["gpt"], steps=s["gpt_steps"], batch=s["gpt_batch"],
                       max_seconds=s["gpt_seconds"], progress=False)
    return {
        "mlp_test_accuracy": round(mlp.test_accuracy, 4),
        "cnn_test_accuracy": round(cnn.test_accuracy, 4),
        "majority_accuracy": round(cnn.majority_accuracy, 4),
        "gpt_val_loss_nats_per_char": round(lm.val_loss, 4),
        "unigram_entropy_nats_per_char": round(lm.unigram_entropy, 4),
        "gpt_params": lm.params,
        "gpt_tokens_per_s": round(lm.tokens_per_s),
    }
