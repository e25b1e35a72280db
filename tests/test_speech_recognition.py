"""Recognition pieces: the HMM's forward / backward / Viterbi against brute force, Baum-Welch, CTC's loss
against F.ctc_loss, greedy and prefix beam-search decoding on hand-worked cases and against brute force,
edit distance and error rates, and the conv + BiGRU recogniser (shapes, padding, a tiny run that learns)."""
import itertools
import math
import random

import pytest
import torch
import torch.nn.functional as F

from aigc_lab.speech import decoding, error_rates, hmm
from aigc_lab.speech.ctc_recognizer import CTCRecognizer, CTCRecognizerConfig, transcribe


# --------------------------------------------------------------------------- HMM
def random_hmm(n: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    log_pi = torch.log_softmax(torch.randn(n, generator=g, dtype=torch.float64), 0)
    log_A = torch.log_softmax(torch.randn(n, n, generator=g, dtype=torch.float64), 1)
    log_b = torch.randn(2, 5, n, generator=g, dtype=torch.float64) * 2 - 1          # (B, T, N)
    log_final = torch.log(torch.rand(n, generator=g, dtype=torch.float64))
    return log_pi, log_A, log_b, log_final


def path_scores(log_pi, log_A, log_b, log_final):
    """Every state path of one (T, N) sequence with its log probability: the brute-force reference."""
    T, N = log_b.shape
    for path in itertools.product(range(N), repeat=T):
        score = log_pi[path[0]] + log_b[0, path[0]] + log_final[path[-1]]
        for t in range(1, T):
            score = score + log_A[path[t - 1], path[t]] + log_b[t, path[t]]
        yield path, score


def test_forward_matches_brute_force_over_all_paths_and_respects_lengths():
    log_pi, log_A, log_b, log_final = random_hmm(3)
    lengths = torch.tensor([5, 3])
    _, log_px = hmm.forward(log_pi, log_A, log_b, lengths, log_final)
    for b, n in enumerate(lengths.tolist()):
        scores = torch.stack([s for _, s in path_scores(log_pi, log_A, log_b[b, :n], log_final)])
        assert torch.allclose(log_px[b], torch.logsumexp(scores, 0), atol=1e-10)


def test_backward_and_forward_agree_at_every_frame():
    log_pi, log_A, log_b, log_final = random_hmm(4, seed=1)
    lengths = torch.tensor([5, 4])
    log_alpha, log_px = hmm.forward(log_pi, log_A, log_b, lengths, log_final)
    log_beta = hmm.backward(log_A, log_b, lengths, log_final)
    for b, n in enumerate(lengths.tolist()):
        for t in range(n):   # sum_j alpha_t(j) beta_t(j) = p(x) for every t
            assert torch.allclose(torch.logsumexp(log_alpha[b, t] + log_beta[b, t], 0), log_px[b], atol=1e-10)


def test_viterbi_finds_the_best_path_of_brute_force():
    log_pi, log_A, log_b, log_final = random_hmm(3, seed=2)
    path, score = hmm.viterbi(log_pi, log_A, log_b[0], log_final)
    best_path, best_score = max(path_scores(log_pi, log_A, log_b[0], log_final), key=lambda ps: float(ps[1]))
    assert tuple(path.tolist()) == best_path
    assert math.isclose(score, float(best_score), abs_tol=1e-10)


def test_gaussian_emissions_match_torch_distributions():
    g = torch.Generator().manual_seed(3)
    model = hmm.GaussianHMM.left_to_right(hmm.HMMConfig(n_states=3, n_features=4))
    model.means = torch.randn(3, 4, generator=g, dtype=torch.float64)
    model.variances = torch.rand(3, 4, generator=g, dtype=torch.float64) + 0.1
    x = torch.randn(7, 4, generator=g, dtype=torch.float64)
    reference = torch.distributions.Normal(model.means, model.variances.sqrt()).log_prob(x[:, None]).sum(-1)
    assert torch.allclose(model.log_emissions(x), reference, atol=1e-10)


def toy_word(states_means, n: int, seed: int):
    """Sequences that walk through the given means in order, 3-6 frames each, plus noise."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        frames = [m + 0.3 * torch.randn(int(torch.randint(3, 7, (1,), generator=g)), 2, generator=g, dtype=torch.float64)
                  for m in states_means]
        out.append(torch.cat(frames))
    return out


def test_baum_welch_never_lowers_the_likelihood_and_the_recogniser_learns():
    up = [torch.tensor([0.0, 0.0]), torch.tensor([2.0, 0.0]), torch.tensor([2.0, 2.0])]
    down = list(reversed(up))                      # the same sounds in the opposite order
    train = toy_word(up, 20, 0) + toy_word(down, 20, 1)
    labels = [0] * 20 + [1] * 20
    recogniser = hmm.IsolatedWordRecognizer(["up", "down"], hmm.HMMConfig(n_states=3, n_features=2, iterations=6))
    curves = recogniser.fit(train, labels)
    for curve in curves.values():
        assert all(b >= a - 1e-9 for a, b in zip(curve, curve[1:]))
    test = toy_word(up, 10, 2) + toy_word(down, 10, 3)
    assert recogniser.predict(test).tolist() == [0] * 10 + [1] * 10
    path, _ = recogniser.models[0].viterbi(test[0])
    assert path[0] == 0 and path[-1] == 2 and bool((path.diff() >= 0).all())   # left to right, start to end


def test_baum_welch_history_is_the_likelihood_after_each_update():
    """A case worked by hand: two states in a chain, one 1-D sequence [0, 0, 3], variance floor v = 0.01.

    The start splits the frames as (0, 0 | 3): means 0 and 3, both variances at the floor.  The path
    0 0 1 is the only one with any weight (0 under mean 3 costs exp(-450)), so one update sets
    A[0, 0] = A[0, 1] = 1/2 and keeps the Gaussians.  After it, log p(x) = 3 log N(0; 0, v) + log(1/2 * 1/2);
    before it (self_loop 0.6), log(0.6 * 0.4) would stand in place of log(1/4).
    """
    config = hmm.HMMConfig(n_states=2, n_features=1, self_loop=0.6, min_variance=0.01, iterations=2)
    model = hmm.GaussianHMM.left_to_right(config)
    x = torch.tensor([[0.0], [0.0], [3.0]], dtype=torch.float64)
    history = model.fit([x])
    after = (3 * -0.5 * math.log(2 * math.pi * 0.01) + math.log(0.25)) / 3
    assert history == pytest.approx([after, after], abs=1e-9)
    assert float(model.log_likelihood([x])[0]) / 3 == pytest.approx(history[-1], abs=1e-12)


def test_baum_welch_history_ends_at_the_fitted_models_likelihood():
    up = [torch.tensor([0.0, 0.0]), torch.tensor([2.0, 0.0]), torch.tensor([2.0, 2.0])]
    data = toy_word(up, 8, 4)
    frames = sum(len(s) for s in data)
    for iterations in (1, 3):
        model = hmm.GaussianHMM.left_to_right(hmm.HMMConfig(n_states=3, n_features=2))
        history = model.fit(data, iterations)
        assert len(history) == iterations
        assert history[-1] == pytest.approx(float(model.log_likelihood(data).sum()) / frames, abs=1e-10)


def test_hmm_rejects_sequences_shorter_than_its_chain():
    model = hmm.GaussianHMM.left_to_right(hmm.HMMConfig(n_states=5, n_features=2))
    with pytest.raises(ValueError, match="at least 5 frames"):
        model.fit([torch.zeros(3, 2)])


# --------------------------------------------------------------------------- CTC loss and decoding
@pytest.mark.parametrize("target", [[1, 2, 3], [1, 1, 2], [2, 2, 2], [3]])
def test_ctc_loss_from_scratch_matches_torch_value_and_gradient(target):
    g = torch.Generator().manual_seed(len(target))
    logits = torch.randn(9, 4, generator=g, dtype=torch.float64, requires_grad=True)
    ours = decoding.ctc_loss(logits.log_softmax(-1), target)
    (grad_ours,) = torch.autograd.grad(ours, logits)
    ref = F.ctc_loss(logits.log_softmax(-1)[:, None], torch.tensor([target]), torch.tensor([9]), torch.tensor([len(target)]),
                     reduction="sum")
    (grad_ref,) = torch.autograd.grad(ref, logits)
    assert torch.allclose(ours, ref, atol=1e-10)
    assert torch.allclose(grad_ours, grad_ref, atol=1e-10)


@pytest.mark.parametrize("frames", [1, 2, 5])
def test_ctc_loss_of_an_empty_target_is_all_blanks(frames):
    """A silent clip: the only path is blank at every frame, so the loss is -sum_t log y_t[blank]."""
    g = torch.Generator().manual_seed(frames)
    logits = torch.randn(frames, 4, generator=g, dtype=torch.float64, requires_grad=True)
    log_probs = logits.log_softmax(-1)
    ours = decoding.ctc_loss(log_probs, [])
    assert torch.allclose(ours, -log_probs[:, decoding.BLANK].sum(), atol=1e-12)
    ref = F.ctc_loss(log_probs[:, None], torch.zeros(1, 0, dtype=torch.long), torch.tensor([frames]),
                     torch.tensor([0]), reduction="sum")
    (grad_ours,) = torch.autograd.grad(ours, logits, retain_graph=True)
    (grad_ref,) = torch.autograd.grad(ref, logits)
    assert torch.allclose(ours, ref, atol=1e-10) and torch.allclose(grad_ours, grad_ref, atol=1e-10)


def test_ctc_loss_matches_torch_on_a_batch_of_mixed_lengths():
    """Several clips of different lengths, with empty, length-one and repeated-label targets: per element
    (reduction="none") and F.ctc_loss's default ("mean": each loss over its target length, at least 1)."""
    g = torch.Generator().manual_seed(0)
    targets = [[], [2], [1, 1], [3, 3, 3], [1, 2, 1, 2], [], [2, 2]]
    frames = [2, 1, 3, 7, 9, 6, 5]                  # each at least the target's length plus its repeats
    T, V = max(frames), 4
    log_probs = torch.randn(T, len(targets), V, generator=g, dtype=torch.float64).log_softmax(-1)   # (T, B, V)
    padded = torch.zeros(len(targets), max(map(len, targets)), dtype=torch.long)
    for b, t in enumerate(targets):
        padded[b, :len(t)] = torch.tensor(t, dtype=torch.long)
    input_lengths, target_lengths = torch.tensor(frames), torch.tensor([len(t) for t in targets])
    ours = torch.stack([decoding.ctc_loss(log_probs[:frames[b], b], t) for b, t in enumerate(targets)])
    none = F.ctc_loss(log_probs, padded, input_lengths, target_lengths, reduction="none")
    assert torch.isfinite(none).all()
    assert torch.allclose(ours, none, atol=1e-10)
    default = F.ctc_loss(log_probs, padded, input_lengths, target_lengths)
    assert torch.allclose((ours / target_lengths.clamp(min=1)).mean(), default, atol=1e-10)


def test_ctc_loss_rejects_a_blank_in_the_target():
    with pytest.raises(ValueError, match="blank"):
        decoding.ctc_loss(torch.zeros(4, 3).log_softmax(-1), [1, 0, 2])


def test_collapse_and_greedy_decoding_by_hand():
    assert decoding.collapse([0, 1, 1, 0, 1, 2, 2, 0]) == [1, 1, 2]
    assert decoding.collapse([3, 3, 3]) == [3]
    assert decoding.collapse([0, 0]) == []
    probs = torch.tensor([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8]])
    assert decoding.greedy_decode(probs.log()) == [1, 1, 2]          # path a a - a b


def test_prefix_beam_search_finds_what_greedy_misses_by_hand():
    # two frames, p(blank) = 0.6, p(a) = 0.4 at each: the best path is "--" (0.36), so greedy says "";
    # but "a" has three paths: aa, a-, -a = 0.16 + 0.24 + 0.24 = 0.64 > 0.36
    log_probs = torch.tensor([[0.6, 0.4], [0.6, 0.4]], dtype=torch.float64).log()
    assert decoding.greedy_decode(log_probs) == []
    ids, log_p = decoding.prefix_beam_search(log_probs, beam=4)
    assert ids == [1] and math.isclose(math.exp(log_p), 0.64, rel_tol=1e-9)


def test_prefix_beam_search_with_a_wide_beam_equals_brute_force():
    g = torch.Generator().manual_seed(7)
    for _ in range(3):
        log_probs = torch.randn(5, 3, generator=g, dtype=torch.float64).mul(1.5).log_softmax(-1)
        totals: dict[tuple, float] = {}
        for path in itertools.product(range(3), repeat=5):   # every path, summed per transcript
            label = tuple(decoding.collapse(path))
            totals[label] = totals.get(label, 0.0) + math.exp(sum(log_probs[t, c].item() for t, c in enumerate(path)))
        best = max(totals, key=totals.get)
        ids, log_p = decoding.prefix_beam_search(log_probs, beam=100, prune=-math.inf)
        assert tuple(ids) == best and math.isclose(math.exp(log_p), totals[best], rel_tol=1e-9)
        # the prefix probability is CTC's p(y | x): the loss of the same transcript
        assert math.isclose(log_p, -decoding.ctc_loss(log_probs, ids).item(), rel_tol=1e-9)


def test_vocabulary_round_trip_and_unknown_characters():
    vocabulary = decoding.CharVocabulary()
    ids = vocabulary.encode("nine hundred and one")
    assert 0 not in ids and vocabulary.decode(ids) == "nine hundred and one"
    assert vocabulary.decode([0, *vocabulary.encode("ab"), 0]) == "ab"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocabulary.encode("Nine!")


# --------------------------------------------------------------------------- error rates
def test_edit_distance_and_error_rates_by_hand():
    assert error_rates.edit_distance("kitten", "sitting") == 3
    assert error_rates.edit_distance("", "abc") == 3 and error_rates.edit_distance("abc", "") == 3
    assert error_rates.edit_distance(["one", "two"], ["one", "two"]) == 0
    assert error_rates.character_error_rate(["seven hundred"], ["seven hunded"]) == 1 / 13
    assert error_rates.word_error_rate(["seven hundred"], ["seven hunded"]) == 1 / 2
    # insertions count: two references, 4 + 3 characters, 1 + 3 edits
    assert error_rates.character_error_rate(["four", "ten"], ["for", "ten six"]) == (1 + 4) / 7
    assert error_rates.word_error_rate(["three hundred and twelve"], ["three and twelve twelve"]) == 2 / 4


def test_error_rates_reject_bad_input():
    with pytest.raises(TypeError, match="lists of transcripts"):
        error_rates.character_error_rate("seven", "seven")
    with pytest.raises(ValueError, match="2 references but 1"):
        error_rates.word_error_rate(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="empty"):
        error_rates.character_error_rate([""], ["x"])


def random_transcripts(seed: int, n: int = 12):
    """Pairs of transcripts over a small vocabulary: repeated words, empty hypotheses, an empty reference among
    non-empty ones, several spaces between words."""
    rng = random.Random(seed)
    words = "one two three four five six seven eight nine ten hundred and".split()

    def text(low):
        return rng.choice([" ", "  "]).join(rng.choice(words) for _ in range(rng.randint(low, 6)))
    references = [text(1) for _ in range(n)] + [""]
    hypotheses = [text(0) for _ in range(n)] + [text(1)]
    return references, hypotheses


@pytest.mark.parametrize("seed", range(5))
def test_error_rates_match_jiwer(seed):
    """WER and CER equal jiwer's (total edits / total reference length) on the same transcripts.  jiwer's cer
    strips white space at both ends of each transcript first; ours counts every character it is given, so the
    transcripts here have none there (see the next test)."""
    jiwer = pytest.importorskip("jiwer")                                # in requirements.txt (tests only)
    references, hypotheses = random_transcripts(seed)
    assert error_rates.word_error_rate(references, hypotheses) == pytest.approx(jiwer.wer(references, hypotheses))
    assert error_rates.character_error_rate(references, hypotheses) == pytest.approx(jiwer.cer(references, hypotheses))
    for r, h in zip(references, hypotheses):                          # and one utterance at a time
        if r:
            assert error_rates.word_error_rate([r], [h]) == pytest.approx(jiwer.wer(r, h))
            assert error_rates.character_error_rate([r], [h]) == pytest.approx(jiwer.cer(r, h))


def test_where_error_rates_and_jiwer_part():
    jiwer = pytest.importorskip("jiwer")
    # white space at the ends: a character for us, stripped by jiwer's cer (words are the same for both)
    assert error_rates.character_error_rate([" seven"], ["seven"]) == 1 / 6 and jiwer.cer(" seven", "seven") == 0
    assert error_rates.word_error_rate([" seven"], ["seven"]) == 0 == jiwer.wer(" seven", "seven")
    # nothing to compare against: we refuse, jiwer counts the insertions
    with pytest.raises(ValueError, match="empty"):
        error_rates.word_error_rate([""], ["a b c"])
    assert jiwer.wer([""], ["a b c"]) == 3


# --------------------------------------------------------------------------- the conv + BiGRU recogniser
def test_recognizer_shapes_and_padding_does_not_change_the_output():
    torch.manual_seed(0)
    model = CTCRecognizer(CTCRecognizerConfig(n_mels=8, vocab_size=5, channels=8, hidden=8, stride=3)).eval()
    x = torch.randn(2, 8, 40)
    frames = torch.tensor([40, 25])
    log_probs, lengths = model(x, frames)
    assert log_probs.shape == (2, 14, 5) and lengths.tolist() == [14, 9]
    assert torch.allclose(log_probs.exp().sum(-1), torch.ones(2, 14), atol=1e-5)
    alone, _ = model(x[1:, :, :25], frames[1:])                      # the short one without the padding
    assert torch.allclose(alone[0, :9], log_probs[1, :9], atol=1e-5)


def synthetic_utterances(n: int, generator: torch.Generator):
    """'Speech' in which each of 3 characters lights up its own 2 of 6 bands for 4-6 frames, with gaps."""
    xs, texts = [], []
    for _ in range(n):
        text = "".join("abc"[int(i)] for i in torch.randint(0, 3, (int(torch.randint(2, 5, (1,), generator=generator)),),
                                                            generator=generator))
        frames = [torch.zeros(6, 2)]
        for ch in text:
            k = "abc".index(ch)
            block = torch.zeros(6, int(torch.randint(4, 7, (1,), generator=generator)))
            block[2 * k:2 * k + 2] = 3.0
            frames += [block, torch.zeros(6, 2)]
        xs.append(torch.cat(frames, 1) + 0.3 * torch.randn(6, sum(f.shape[1] for f in frames), generator=generator))
        texts.append(text)
    frames = torch.tensor([x.shape[1] for x in xs])
    padded = torch.zeros(n, 6, int(frames.max()))
    for i, x in enumerate(xs):
        padded[i, :, :x.shape[1]] = x
    return padded, frames, texts


def test_recognizer_learns_a_tiny_task(seeded_one_thread):
    from aigc_lab import train

    g = torch.Generator().manual_seed(0)
    vocabulary = decoding.CharVocabulary("abc")
    x, frames, texts = synthetic_utterances(256, g)
    targets = torch.nn.utils.rnn.pad_sequence([torch.tensor(vocabulary.encode(t)) for t in texts], batch_first=True)
    target_lengths = torch.tensor([len(t) for t in texts])

    def batches():
        idx = torch.randint(len(texts), (16,), generator=g)
        return x[idx], frames[idx], targets[idx], target_lengths[idx]

    model = CTCRecognizer(CTCRecognizerConfig(n_mels=6, vocab_size=len(vocabulary), channels=16, hidden=16, layers=1,
                                              stride=2, dropout=0.0))
    history = train.fit(model, batches, steps=150, lr=1e-2, warmup=10, progress=False)
    x_test, frames_test, texts_test = synthetic_utterances(40, torch.Generator().manual_seed(1))
    hypotheses = transcribe(model, x_test, frames_test, vocabulary)
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert error_rates.character_error_rate(texts_test, hypotheses) < 0.2
    assert transcribe(model, x_test, frames_test, vocabulary, beam=4) is not None
