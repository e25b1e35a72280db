"""Explaining models, and checking the explanations (part 6 of the course).

One file per job, each readable on its own:

    attributions.py  saliency, gradient x input, integrated gradients, occlusion, feature ablation,
                     written out in plain PyTorch (integrated gradients checked against captum in the tests)
    wrappers.py      thin typed wrappers over LIME (text, image), SHAP (text masker + partition explainer,
                     GradientExplainer) and captum, with the libraries' known warnings silenced in one place
    scoring.py       the checks: pointing game, precision at k, random baseline, deletion and insertion
                     curves and their areas, Spearman rank correlation, run-to-run variance
    sanity.py        the model-parameter randomisation test's randomised copy of a model
    evaluate.py      every check for every method on a list of cases -> one MethodReport per method
    show.py          words coloured by attribution, heat-maps over images, curves, score charts
    text.py          the sentiment classifier of notebook 6.1, its cases and its six explainers
    image.py         the shapes classifier of notebook 6.2, its cases and its six explainers
    comparison_recipe.py  each modality's evaluation (train, explain with every method, score), the one
                     the ``explain`` benchmark records, and notebook 6.4's sizes and comparison table

A new modality (audio, notebook 6.3) adds one module like ``text.py``: a ``*_settings()``
function, a task (data with known evidence + a trained model), ``*_cases`` and
``*_explainers`` returning ``explain(x, target, seed) -> attribution map`` functions;
``evaluate.evaluate``, ``comparison_recipe`` and the benchmark ``explain`` (``aigc_lab/benchmarks/explain.py``)
then score it like the others.  Nothing here imports shap, lime or captum until a
wrapper is called.
"""
