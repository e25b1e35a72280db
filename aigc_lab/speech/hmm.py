"""A hidden Markov model with Gaussian emissions: the classical speech recogniser, in log space.

Before neural networks, a word was modelled as a chain of hidden *states* (roughly: its
sounds in order), each emitting feature vectors (MFCC frames) from its own Gaussian.
The model has three parts (Rabiner 1989):

    pi[i]      = p(first state is i)                     (N,)
    A[i, j]    = p(next state j | state i)               (N, N)   left to right: j in {i, i + 1}
    b_j(x_t)   = N(x_t; mu_j, diag(var_j))               (T, N)   the emission densities

Three algorithms answer three questions, each a recursion over frames:

- **forward**: how likely is a sequence under the model, summing over every state path?
  ``alpha_t(j) = b_j(x_t) * sum_i alpha_{t-1}(i) A[i, j]``, ``p(x) = sum_j alpha_T(j) * final(j)``.
  Products of hundreds of small numbers underflow, so everything is in logs: sums become
  ``logsumexp``, products become sums.
- **Viterbi**: which single state path is most likely?  The same recursion with max in place
  of the sum, plus back-pointers.  It aligns frames to states (to sounds).
- **Baum-Welch** (EM): fit pi, A, mu, var to example sequences.  Forward and backward
  recursions give each frame's state posterior gamma_t(j) and each transition's xi_t(i, j);
  the new parameters are their weighted averages (eq. (40a)-(40c) and (53) of Rabiner).

An isolated-word recogniser trains one HMM per word and answers with the word whose
model gives the test sequence the highest forward likelihood.

    model = GaussianHMM.left_to_right(HMMConfig(n_states=6, n_features=26))
    model.fit(sequences)                         # a list of (T_i, 26) tensors of one word
    model.log_likelihood([x])                    # (1,) log p(x)
    path, score = model.viterbi(x)               # (T,) state per frame
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass
class HMMConfig:
    n_states: int = 6              # per word: about two per phoneme of a short word
    n_features: int = 26           # 13 MFCCs and their deltas
    self_loop: float = 0.6         # initial p(stay in a state); EM adjusts it
    min_variance: float = 1e-2     # floor on each Gaussian's variance (of standardised features)
    iterations: int = 8            # Baum-Welch iterations


# --------------------------------------------------------------------------- the recursions (functions of arrays)
def forward(log_pi: torch.Tensor, log_A: torch.Tensor, log_b: torch.Tensor, lengths: torch.Tensor | None = None,
            log_final: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The forward algorithm in log space, for a batch.

    log_pi (N,), log_A (N, N), log_b (B, T, N) emission log densities, lengths (B,) valid
    frames (default all T), log_final (N,) log p(may end in state j) (default 0: any state).
    Returns (log_alpha (B, T, N), log p(x) (B,)).  Past a sequence's length alpha stays fixed.
    """
    B, T, N = log_b.shape
    lengths = torch.full((B,), T) if lengths is None else lengths
    log_final = torch.zeros(N, dtype=log_b.dtype) if log_final is None else log_final
    alphas = [log_pi + log_b[:, 0]]                                               # (B, N)
    for t in range(1, T):
        # alpha_t(j) = logsumexp_i(alpha_{t-1}(i) + log A[i, j]) + log b_j(x_t)
        step = torch.logsumexp(alphas[-1][:, :, None] + log_A, dim=1) + log_b[:, t]
        alphas.append(torch.where((t < lengths)[:, None], step, alphas[-1]))
    log_alpha = torch.stack(alphas, dim=1)                                        # (B, T, N)
    return log_alpha, torch.logsumexp(alphas[-1] + log_final, dim=-1)


def backward(log_A: torch.Tensor, log_b: torch.Tensor, lengths: torch.Tensor | None = None,
             log_final: torch.Tensor | None = None) -> torch.Tensor:
    """log beta (B, T, N): beta_t(i) = sum_j A[i, j] b_j(x_{t+1}) beta_{t+1}(j), beta_{last}(i) = final(i)."""
    B, T, N = log_b.shape
    lengths = torch.full((B,), T) if lengths is None else lengths
    log_final = torch.zeros(N, dtype=log_b.dtype) if log_final is None else log_final
    betas = [log_final.expand(B, N)]
    for t in range(T - 2, -1, -1):
        step = torch.logsumexp(log_A[None] + (log_b[:, t + 1] + betas[-1])[:, None, :], dim=2)
        betas.append(torch.where((t < lengths - 1)[:, None], step, log_final.expand(B, N)))
    return torch.stack(betas[::-1], dim=1)


def viterbi(log_pi: torch.Tensor, log_A: torch.Tensor, log_b: torch.Tensor,
            log_final: torch.Tensor | None = None) -> tuple[torch.Tensor, float]:
    """The most likely state path for one sequence: log_b (T, N) -> (path (T,), its log probability)."""
    T, N = log_b.shape
    log_final = torch.zeros(N, dtype=log_b.dtype) if log_final is None else log_final
    delta = log_pi + log_b[0]                                                     # (N,)
    pointers = []
    for t in range(1, T):
        scores = delta[:, None] + log_A                                           # (from i, to j)
        delta, best_from = scores.max(dim=0)                                      # max over i
        delta = delta + log_b[t]
        pointers.append(best_from)
    delta = delta + log_final
    state = int(delta.argmax())
    score = float(delta[state])
    path = [state]
    for best_from in reversed(pointers):                                          # follow the back-pointers
        state = int(best_from[state])
        path.append(state)
    return torch.tensor(path[::-1]), score


def pad(sequences: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """A list of (T_i, D) -> (B, T_max, D) zero-padded, and the lengths (B,)."""
    lengths = torch.tensor([len(s) for s in sequences])
    out = torch.zeros(len(sequences), int(lengths.max()), sequences[0].shape[1], dtype=torch.float64)
    for i, s in enumerate(sequences):
        out[i, :len(s)] = s
    return out, lengths


# --------------------------------------------------------------------------- the model
class GaussianHMM:
    """An HMM whose states emit diagonal-covariance Gaussians.  Parameters are float64 tensors."""

    def __init__(self, log_pi: torch.Tensor, log_A: torch.Tensor, means: torch.Tensor, variances: torch.Tensor,
                 log_final: torch.Tensor | None = None, config: HMMConfig | None = None):
        self.log_pi, self.log_A = log_pi.double(), log_A.double()
        self.means, self.variances = means.double(), variances.double()            # (N, D) each
        n = len(self.log_pi)
        self.log_final = torch.zeros(n, dtype=torch.float64) if log_final is None else log_final.double()
        self.config = config or HMMConfig(n_states=n, n_features=self.means.shape[1])
        if self.log_A.shape != (n, n) or self.means.shape != self.variances.shape or len(self.means) != n:
            raise ValueError(f"inconsistent shapes: pi {tuple(self.log_pi.shape)}, A {tuple(self.log_A.shape)}, "
                             f"means {tuple(self.means.shape)}, variances {tuple(self.variances.shape)}")

    @classmethod
    def left_to_right(cls, config: HMMConfig) -> "GaussianHMM":
        """States in a chain: start in state 0, stay or move one on, end in the last state.

        Means and variances are placeholders until :meth:`fit` (which first cuts each
        sequence into ``n_states`` equal parts to start from).
        """
        n, d = config.n_states, config.n_features
        A = torch.zeros(n, n, dtype=torch.float64)
        for i in range(n):
            A[i, i] = config.self_loop if i < n - 1 else 1.0
            if i < n - 1:
                A[i, i + 1] = 1 - config.self_loop
        log_pi = torch.full((n,), -math.inf, dtype=torch.float64)
        log_pi[0] = 0.0
        log_final = torch.full((n,), -math.inf, dtype=torch.float64)
        log_final[-1] = 0.0
        return cls(log_pi, A.log(), torch.zeros(n, d), torch.ones(n, d), log_final, config)

    def log_emissions(self, x: torch.Tensor) -> torch.Tensor:
        """(..., T, D) -> (..., T, N): log N(x_t; mu_j, diag(var_j))
        = -1/2 [D log(2 pi) + sum_d log var_jd + sum_d (x_td - mu_jd)^2 / var_jd]."""
        x = x.double()[..., None, :]                                             # (..., T, 1, D)
        squared = ((x - self.means) ** 2 / self.variances).sum(-1)               # (..., T, N)
        return -0.5 * (self.means.shape[1] * math.log(2 * math.pi) + self.variances.log().sum(-1) + squared)

    def log_likelihood(self, sequences: list[torch.Tensor]) -> torch.Tensor:
        """(B,) log p(x) of each sequence, by the forward algorithm."""
        x, lengths = pad(sequences)
        return forward(self.log_pi, self.log_A, self.log_emissions(x), lengths, self.log_final)[1]

    def viterbi(self, x: torch.Tensor) -> tuple[torch.Tensor, float]:
        """The most likely state per frame of one (T, D) sequence, and that path's log probability."""
        return viterbi(self.log_pi, self.log_A, self.log_emissions(x), self.log_final)

    # ----------------------------------------------------------------------- training
    def _initialise(self, sequences: list[torch.Tensor]) -> None:
        """Cut every sequence into N equal parts; state j starts as part j's mean and variance."""
        n = len(self.log_pi)
        parts = [[] for _ in range(n)]
        for s in sequences:
            for j, chunk in enumerate(torch.tensor_split(s.double(), n)):
                parts[j].append(chunk)
        for j in range(n):
            frames = torch.cat(parts[j])
            if len(frames) == 0:
                raise ValueError(f"sequences too short for {n} states")
            self.means[j] = frames.mean(0)
            self.variances[j] = frames.var(0, unbiased=False).clamp(min=self.config.min_variance)

    def fit(self, sequences: list[torch.Tensor], iterations: int | None = None) -> list[float]:
        """Baum-Welch: returns the mean log-likelihood per frame after each iteration (it never decreases)."""
        if any(len(s) < len(self.log_pi) for s in sequences):
            raise ValueError(f"every sequence needs at least {len(self.log_pi)} frames (one per state)")
        self._initialise(sequences)
        x, lengths = pad(sequences)                                              # (B, T, D), (B,)
        valid = (torch.arange(x.shape[1])[None] < lengths[:, None]).double()     # (B, T)
        history = []
        n_iterations = iterations or self.config.iterations
        for iteration in range(n_iterations):
            # E step: state posteriors gamma (B, T, N) and expected transitions xi summed to (N, N)
            log_b = self.log_emissions(x)
            log_alpha, log_px = forward(self.log_pi, self.log_A, log_b, lengths, self.log_final)
            if iteration > 0:       # log p(x) of the parameters the previous update gave: that update's result
                history.append(float(log_px.sum() / lengths.sum()))
            log_beta = backward(self.log_A, log_b, lengths, self.log_final)
            gamma = (log_alpha + log_beta - log_px[:, None, None]).exp() * valid[:, :, None]
            log_xi = (log_alpha[:, :-1, :, None] + self.log_A + (log_b[:, 1:] + log_beta[:, 1:])[:, :, None, :]
                      - log_px[:, None, None, None])                            # (B, T-1, N, N)
            xi = (log_xi.exp() * valid[:, 1:, None, None]).sum(dim=(0, 1))
            # M step: weighted averages (transitions that were impossible stay impossible)
            self.log_pi = (gamma[:, 0].sum(0) / len(sequences)).log()
            self.log_A = (xi / xi.sum(1, keepdim=True).clamp(min=1e-300)).log()
            weight = gamma.sum(dim=(0, 1))[:, None].clamp(min=1e-10)              # (N, 1)
            self.means = torch.einsum("btn,btd->nd", gamma, x) / weight
            second = torch.einsum("btn,btd->nd", gamma, x ** 2) / weight
            self.variances = (second - self.means ** 2).clamp(min=self.config.min_variance)
        if n_iterations > 0:        # the last update's result needs one more forward pass
            history.append(float(self.log_likelihood(sequences).sum() / lengths.sum()))
        return history


class IsolatedWordRecognizer:
    """One left-to-right HMM per word; a sequence is the word whose model gives it the highest likelihood."""

    def __init__(self, words: list[str], config: HMMConfig):
        self.words, self.config = list(words), config
        self.models = [GaussianHMM.left_to_right(config) for _ in words]
        self.curves: dict[str, list[float]] = {}     # word -> log-likelihood per frame after each EM iteration

    def fit(self, sequences: list[torch.Tensor], labels: list[int]) -> dict[str, list[float]]:
        """Train each word's model on its own examples; returns each model's training curve."""
        curves = {}
        for k, (word, model) in enumerate(zip(self.words, self.models)):
            own = [s for s, y in zip(sequences, labels) if int(y) == k]
            if not own:
                raise ValueError(f"no training examples of {word!r}")
            curves[word] = model.fit(own)
        self.curves = curves
        return curves

    def scores(self, sequences: list[torch.Tensor]) -> torch.Tensor:
        """(B, n_words) forward log-likelihoods."""
        return torch.stack([m.log_likelihood(sequences) for m in self.models], dim=1)

    def predict(self, sequences: list[torch.Tensor]) -> torch.Tensor:
        return self.scores(sequences).argmax(dim=1)
