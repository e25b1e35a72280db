"""Speech synthesis figures (part 4, notebook 04_speech/03_synthesis), for the ``speech`` benchmark.

The course's text-to-speech (TTS) and its judges are the notebook's recipe
(``aigc_lab.speech.synthesis_recipe``): FastSpeech + Griffin-Lim, judged by the chapter's own models,
each trained by its notebook's recipe.

- **digits**: notebook 4.1's KeywordCNN classifies digits the course TTS says, against the
  same digits said by the engine in the same voice (the bar: at least 80% as often right);
- **round trip**: number phrases held out from TTS training, said by the course TTS, are
  transcribed by notebook 4.2's CTC recogniser; the character error rate (CER) against the
  text, next to the same recogniser's CER on the engine's own audio of the same phrases
  (the bar: at most 15% and at most twice the engine's);
- the vocoder alone: Griffin-Lim's spectral convergence on a true mel spectrogram.

    AIGC_LAB_PROFILE=smoke python -c "from aigc_lab.benchmarks.speech_synthesis import figures; print(figures())"
"""
from __future__ import annotations

import time

from .. import runtime
from ..speech.synthesis_recipe import (digit_test, fastspeech_data, round_trip, synthesis_settings, train_fastspeech,
                                       train_judges, tts_corpora, vocoder_convergence)


def figures() -> dict:
    s = synthesis_settings()
    start = time.perf_counter()
    corpora = tts_corpora(s)
    vocab, examples = fastspeech_data(corpora, s)
    data_seconds = time.perf_counter() - start
    model, history = train_fastspeech(examples, vocab, s, device=runtime.device())
    vocoder = vocoder_convergence(corpora["test"][0], s)
    judges = train_judges(device=runtime.device())
    start = time.perf_counter()
    digits = digit_test(model, vocab, judges, s)
    trip = round_trip(model, vocab, judges, corpora["test"], s)
    evaluation_seconds = time.perf_counter() - start
    return {
        "digit_accuracy_tts": round(digits["tts_accuracy"], 4),
        "digit_accuracy_engine": round(digits["engine_accuracy"], 4),
        "digit_accuracy_ratio": round(digits["ratio"], 4),
        "round_trip_cer_tts": round(trip["tts_cer"], 4),
        "round_trip_cer_engine": round(trip["engine_cer"], 4),
        "round_trip_cer_ratio": round(trip["cer_ratio"], 4),
        "round_trip_phrases": len(trip["texts"]),
        "griffin_lim_convergence_first": round(vocoder["errors"][0], 4),
        "griffin_lim_convergence_last": round(vocoder["errors"][-1], 4),
        "fastspeech_loss_first": round(history.train_loss[0], 4),
        "fastspeech_loss_last": round(history.train_loss[-1], 4),
        "fastspeech_params": runtime.count_params(model), "fastspeech_steps": history.step,
        "train_utterances": len(examples), "phonemes": len(vocab),
        "data_seconds": round(data_seconds, 1), "fastspeech_seconds": round(history.seconds, 1),
        "judges_seconds": round(judges["seconds"], 1), "judges_cached": judges["cached"],
        "evaluation_seconds": round(evaluation_seconds, 1),
    }
