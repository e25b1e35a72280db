"""Speech models and features, one file each.

- ``features``: STFT, mel filterbank, mel spectrogram, MFCC, SpecAugment and frequency warping in plain torch (parity-tested
  against librosa and ``torch.stft``).
- ``classical``: MFCC statistics, spectral subtraction, a voice activity detector and scikit-learn classifiers.
- ``keyword_cnn``: a small CNN that classifies spoken words from log-mel spectrograms.
- ``hmm``: a Gaussian hidden Markov model in log space (forward, backward, Viterbi, Baum-Welch) and an
  isolated-word recogniser built from one HMM per word.
- ``ctc_recognizer``: convolutions + a bidirectional GRU trained with CTC (``F.ctc_loss``) to transcribe phrases.
- ``decoding``: CTC written out: the loss (parity-tested against ``F.ctc_loss``), greedy and prefix beam-search decoding.
- ``error_rates``: edit distance, character and word error rate.
- ``fastspeech``: FastSpeech (FFT blocks, duration predictor, length regulator), the alignment matrix Tacotron's
  attention must learn, and ``text_to_speech`` (Deep Voice's pipeline: phonemes -> durations -> log-mel -> wave).
- ``griffin_lim``: the inverse STFT (parity-tested against ``torch.istft``), mel -> linear by the pseudo-inverse,
  and (fast) Griffin-Lim phase reconstruction.

The audio itself comes from :mod:`aigc_lab.data.speech` (eSpeak NG corpora with alignments); features
(log-mels included, e.g. the TTS targets) are computed here, never in ``data/``.

Recipes: ``<what it trains>_recipe.py`` holds a notebook's recipe, shared by the notebook, the benchmark
(``aigc_lab/benchmarks/``, which only measures) and the CLI: its settings per profile as a typed dataclass
(``aigc_lab.settings.Settings``, also readable as ``s["name"]``), a ``*settings()`` function that fills them in
for the active profile, and the functions that prepare the data and build and train the model.

- ``classification_recipe``: notebook 4.1, spoken words by classical models and the KeywordCNN.
- ``recognition_recipe``: notebook 4.2, word HMMs on spoken digits and the CTC recogniser on numbers.
- ``synthesis_recipe``: notebook 4.3, FastSpeech + Griffin-Lim, and the judges (4.1's and 4.2's models) that hear it.
- ``wavenet_recipe``: notebook 4.3's WaveNet vocoder.
"""
