"""RNN, LSTM and GRU written out: one time step as a plain function, and a layer that loops over time.

Each cell reads the input x_t (B, I) and the previous state, and returns the new
state.  The weights use PyTorch's layout and names (``weight_ih_l0`` stacks the
gates' input weights, ``weight_hh_l0`` their recurrent weights), so
``Recurrent("lstm", I, H)`` loads the ``state_dict`` of an ``nn.LSTM(I, H)`` and
returns the same numbers; tests/test_text_generation.py checks exactly that.
The library versions are faster (one fused kernel per step), the maths is the same.

Equations as in the PyTorch documentation (sigma is the logistic sigmoid, * is element-wise):

RNN (Elman 1990):        h' = tanh(W_ih x + b_ih + W_hh h + b_hh)

LSTM (Hochreiter and Schmidhuber 1997, with the forget gate of Gers et al. 2000):
    i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh)      input, forget, candidate, output
    c' = sigma(f) * c + sigma(i) * tanh(g)                  the cell state: forget some, write some
    h' = sigma(o) * tanh(c')                                the hidden state: read some out

GRU (Cho et al. 2014):
    r = sigma(W_ir x + b_ir + W_hr h + b_hr)                reset gate: how much past to use for the candidate
    z = sigma(W_iz x + b_iz + W_hz h + b_hz)                update gate: how much of the old state to keep
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))           candidate state
    h' = (1 - z) * n + z * h
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
from torch import Tensor

GATES = {"rnn": 1, "lstm": 4, "gru": 3}   # how many H-sized blocks W_ih and W_hh stack


def rnn_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> Tensor:
    """One step of an Elman RNN: x (B, I), h (B, H) -> h' (B, H)."""
    return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)


def lstm_cell(x: Tensor, state: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor, b_ih: Tensor,
              b_hh: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step: x (B, I), state (h, c) each (B, H) -> (h', c')."""
    h, c = state
    i, f, g, o = (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, dim=1)   # each (B, H)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    return h, c


def gru_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> Tensor:
    """One GRU step: x (B, I), h (B, H) -> h' (B, H)."""
    x_r, x_z, x_n = (x @ w_ih.T + b_ih).chunk(3, dim=1)                   # input's share of each gate
    h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, dim=1)                   # state's share of each gate
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)                                          # the reset gate scales the state's share
    return (1 - z) * n + z * h


CELL_STEPS = {"rnn": rnn_cell, "lstm": lstm_cell, "gru": gru_cell}


class Recurrent(nn.Module):
    """A stack of ``num_layers`` recurrent layers, a drop-in for ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` (batch_first).

    forward(x (B, T, I), state=None) -> (out (B, T, H), state), where state is
    h (layers, B, H), or (h, c) for the LSTM, exactly as the library returns it.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int = 1):
        super().__init__()
        if cell not in GATES:
            raise ValueError(f"cell must be one of {sorted(GATES)}, not {cell!r}")
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        rows = GATES[cell] * hidden_size
        bound = 1 / math.sqrt(hidden_size)                    # PyTorch's initialisation: U(-1/sqrt(H), 1/sqrt(H))
        for k in range(num_layers):
            inputs = input_size if k == 0 else hidden_size
            for name, shape in [("weight_ih", (rows, inputs)), ("weight_hh", (rows, hidden_size)),
                                ("bias_ih", (rows,)), ("bias_hh", (rows,))]:
                self.register_parameter(f"{name}_l{k}", nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))

    def weights(self, k: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Layer k's (W_ih, W_hh, b_ih, b_hh)."""
        return tuple(getattr(self, f"{name}_l{k}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def forward(self, x: Tensor, state=None):
        B, T, _ = x.shape
        zeros = x.new_zeros(self.num_layers, B, self.hidden_size)
        if self.cell == "lstm":
            h0, c0 = state if state is not None else (zeros, zeros)
        else:
            h0 = state if state is not None else zeros
        step = CELL_STEPS[self.cell]
        final_h, final_c = [], []
        for k in range(self.num_layers):                      # layer k reads the outputs of layer k - 1
            w = self.weights(k)
            h = (h0[k], c0[k]) if self.cell == "lstm" else h0[k]
            outputs = []
            for t in range(T):                                # step t must wait for step t - 1: no parallelism in time
                h = step(x[:, t], h, *w)
                outputs.append(h[0] if self.cell == "lstm" else h)
            x = torch.stack(outputs, dim=1)                   # (B, T, H)
            final_h.append(h[0] if self.cell == "lstm" else h)
            if self.cell == "lstm":
                final_c.append(h[1])
        h_n = torch.stack(final_h)                            # (layers, B, H)
        return x, ((h_n, torch.stack(final_c)) if self.cell == "lstm" else h_n)
