r"""matmul: the matrix product with NumPy's rules, re-exported from the engine.

This is :func:`gradkit.arithmetic.matmul` (``Variable.__matmul__``): 1-d operands are a row
vector on the left and a column vector on the right, and the leading (batch) axes broadcast.

.. math:: Y = A B \;\Rightarrow\;
          \frac{\partial L}{\partial A} = \mathrm{sum\_to}(G B^T),\quad
          \frac{\partial L}{\partial B} = \mathrm{sum\_to}(A^T G)

where ``sum_to`` sums over the batch axes that broadcasting added. Its spec is attached in
:mod:`gradkit_ops.math.arithmetic`; the batch-broadcasting cases are run by the linalg tests.
"""

from __future__ import annotations

from gradkit.arithmetic import matmul

__all__ = ["matmul"]
