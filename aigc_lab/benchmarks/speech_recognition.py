"""Speech recognition figures (part 4, notebook 04_speech/02_recognition), for the ``speech`` benchmark.

The notebook's settings and recipes (``aigc_lab.speech.recognition_recipe``): (1) one Gaussian HMM per spoken digit,
trained by Baum-Welch on MFCCs of the classification notebook's keyword corpus, scored
by the forward algorithm; (2) a conv + bidirectional GRU recogniser trained with CTC
on spoken numbers ("three hundred and twelve"), decoded greedily and by prefix beam
search.  Both are measured on voices that training never heard; the recogniser by
character and word error rate.

    AIGC_LAB_PROFILE=smoke python -c "from aigc_lab.benchmarks.speech_recognition import figures; print(figures())"
"""
from __future__ import annotations

import time

from .. import runtime
from ..speech.ctc_recognizer import transcribe
from ..speech.decoding import CharVocabulary
from ..speech.error_rates import character_error_rate, word_error_rate
from ..speech.recognition_recipe import (ctc_inputs, digit_data, number_data, recognition_settings,
                                         train_ctc_recognizer, train_word_hmms)


def figures() -> dict:
    s = recognition_settings()
    seconds = {}
    start = time.perf_counter()
    x_train, y_train, x_test, y_test, _ = digit_data(s)
    recogniser = train_word_hmms(x_train, y_train, s)
    hmm_accuracy = float((recogniser.predict(x_test) == y_test).double().mean())
    seconds["hmm"] = time.perf_counter() - start

    start = time.perf_counter()
    vocabulary = CharVocabulary()
    numbers = number_data(s)
    data = {split: ctc_inputs(numbers, split, s, vocabulary) for split in ("train", "test")}
    seconds["corpus"] = time.perf_counter() - start
    model, history = train_ctc_recognizer(data["train"], vocabulary, s, device=runtime.device())
    test = data["test"]
    greedy = transcribe(model, test["log_mel"], test["frames"], vocabulary)
    start = time.perf_counter()
    beam = transcribe(model, test["log_mel"], test["frames"], vocabulary, beam=s["beam"])
    seconds["beam"] = time.perf_counter() - start
    return {
        "hmm_digit_accuracy": round(hmm_accuracy, 4),
        "ctc_cer_greedy": round(character_error_rate(test["texts"], greedy), 4),
        "ctc_cer_beam": round(character_error_rate(test["texts"], beam), 4),
        "ctc_wer_greedy": round(word_error_rate(test["texts"], greedy), 4),
        "ctc_wer_beam": round(word_error_rate(test["texts"], beam), 4),
        "ctc_sentence_accuracy": round(sum(h == r for h, r in zip(greedy, test["texts"])) / len(greedy), 4),
        "train_utterances": len(numbers.train), "test_utterances": len(numbers.test),
        "train_voices": len(numbers.voices("train")), "test_voices": len(numbers.voices("test")),
        "ctc_params": runtime.count_params(model), "ctc_steps": history.step,
        "hmm_seconds": round(seconds["hmm"], 1), "corpus_seconds": round(seconds["corpus"], 1),
        "ctc_seconds": round(history.seconds, 1), "beam_seconds": round(seconds["beam"], 1),
    }
