"""Deployment: from a trained model to something small, fast and safe to ship.

preprocess.py    raw text -> clean tokens -> splits -> fixed-length ids (``TextPipeline``, saved beside the weights)
compression.py   int8 quantisation, magnitude pruning, knowledge distillation; size and latency measurements
export.py        torch.export programs, and ONNX where the optional packages are installed
compression_recipe.py  the workflow notebook's recipe (typed settings per profile, the TextCNN teacher,
                 its pruned copy and its distilled student), shared with the ``foundations`` benchmark

Serialisation itself is ``aigc_lab.checkpoint`` (safetensors, never pickle).  The notebook
notebooks/01_foundations/03_workflow carries one model through every step.
"""
from .compression import (Distillation, Int8Linear, apply_masks, compressed_size_bytes, distillation_loss,  # noqa: F401
                          compare, latency_ms, magnitude_mask, magnitude_prune, markdown_table, model_size_bytes,
                          nonzero_weights, quantize_int8, quantize_tensor_int8, sparsity, torch_dynamic_int8)
from .export import export_onnx, export_program, load_program, run_onnx, save_program  # noqa: F401
from .preprocess import (RawReview, Review, ReviewSplits, TextPipeline, clean_reviews, clean_text,  # noqa: F401
                         messy_reviews, review_splits, stratified_split, tokenize)
