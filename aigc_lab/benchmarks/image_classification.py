"""Image classification figures (part 3, notebook 03_image/01_classification), for the ``image`` benchmark.

The notebook's settings, models and networks come from ``aigc_lab.image.classification_recipe``.
``figures()`` returns held-out accuracy, parameters and seconds per model; the ``image`` benchmark calls it.

    AIGC_LAB_PROFILE=smoke python -c "from aigc_lab.benchmarks.image_classification import figures; print(figures())"
"""
from __future__ import annotations

import os

from .. import runtime
from ..data.image import load_digits
from ..image.classification_recipe import classical_models, classification_settings, networks, shapes_split
from ..image.classify import fit_classical, train_classifier
from ..image.hog import hog


def figures() -> dict:
    """Held-out accuracy, parameters and seconds of every model, sized by the profile."""
    s = classification_settings()
    out: dict = {"profile": runtime.profile()}
    try:
        out["load_average_1min"] = round(os.getloadavg()[0], 2)
    except OSError:
        pass

    digits = load_digits(s["digit_size"])
    out["majority_accuracy"] = round(digits.y_test.bincount().max().item() / len(digits.y_test), 4)
    features = {"pixels": (digits.x_train.flatten(1), digits.x_test.flatten(1)),
                "HOG": (hog(digits.x_train), hog(digits.x_test))}
    for feature_name, (f_train, f_test) in features.items():
        for name, clf in classical_models(s).items():
            r = fit_classical(clf, f_train.numpy(), digits.y_train, f_test.numpy(), digits.y_test)
            out[f"digits {name} on {feature_name}"] = {"accuracy": round(r.test_accuracy, 4),
                                                        "seconds": round(r.seconds, 2)}
    runtime.seed_everything(0)
    for name, model in networks(1, s["digit_size"]).items():
        r = train_classifier(model, digits, steps=s["steps"], batch=s["batch"], lr=s["lr"], augment=True,
                             progress=False)
        out[f"digits {name}"] = {"accuracy": round(r.test_accuracy, 4), "params": r.params,
                                 "seconds": round(r.seconds, 2), "seconds_per_epoch": round(r.seconds_per_epoch, 3)}

    shapes = shapes_split(s)
    r = fit_classical(classical_models(s)["SVM (RBF kernel)"], hog(shapes.x_train, cell=8).numpy(), shapes.y_train,
                      hog(shapes.x_test, cell=8).numpy(), shapes.y_test)
    out["shapes SVM on HOG"] = {"accuracy": round(r.test_accuracy, 4), "seconds": round(r.seconds, 2)}
    runtime.seed_everything(0)
    model = networks(3, 32, 3)["ResNet"]
    r = train_classifier(model, shapes, steps=s["shapes_steps"], batch=s["batch"], lr=s["lr"], progress=False)
    out["shapes ResNet"] = {"accuracy": round(r.test_accuracy, 4), "params": r.params, "seconds": round(r.seconds, 2)}
    return out

