"""The prediction part of the ``video`` benchmark (notebooks/05_video/02_prediction).

A ConvLSTM (``aigc_lab.video.convlstm``) reads ``context`` frames of held-out moving digits and
predicts the next ``horizon`` frames. Figures, per horizon 1..horizon:

- the mean squared error as a ratio to the copy-last-frame baseline's (the bar in the cpu profile:
  at most 0.6 at horizon 1, under 1 at horizon 5);
- the centroid error in pixels: the distance between the intensity-weighted centre of the predicted
  frame and the generator's known position of the digit, beside the same for copy-last and for the
  true frame itself (the floor: a digit's ink is not centred exactly in its box). A blurry
  prediction can beat copy-last on pixel error while putting the digit nowhere in particular; this
  figure catches that.

The notebook's recipe (``aigc_lab.video.prediction_recipe``: sizes, data, model, training, ``evaluate``) makes
these figures the notebook's.
"""
from __future__ import annotations

import time

from .. import runtime
from ..video.prediction_recipe import data, evaluate, make_model, settings, train_predictor


def figures() -> dict:
    """Next-frame error ratio to copy-last and centroid errors by horizon on held-out clips, and seconds."""
    start = time.perf_counter()
    dev = runtime.device()
    s = settings()
    train_clips, test_clips = data(s)
    model = make_model(s)
    history = train_predictor(model, train_clips, s, device=dev)
    result = evaluate(model, test_clips, s, dev)
    rounded = {k: [round(float(x), 4) for x in v] for k, v in result.items() if k != "predicted"}
    return {"profile": runtime.profile(), "train_clips": s["n_train"], "test_clips": s["n_test"],
            "steps": history.step, "stopped": history.stopped, "params": runtime.count_params(model),
            "ratio_h1": rounded["ratio"][0], f"ratio_h{s['horizon']}": rounded["ratio"][-1],
            "by_horizon": rounded, "train_seconds": history.seconds, "seconds": time.perf_counter() - start}
