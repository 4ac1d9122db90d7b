"""Recurrent cells: Chainer's fused LSTM cell on interleaved gate pre-activations, and a GRU
cell (fused on pre-activations in PyTorch's ``[r | z | n]`` layout, or with weights).

Each cell is one step; a sequence is a Python loop over steps, and backprop through time is
ordinary backprop through the graph the loop builds."""

from __future__ import annotations

from gradkit_ops.recurrent.gru import gru, gru_cell
from gradkit_ops.recurrent.lstm import lstm

__all__ = ["lstm", "gru", "gru_cell"]
