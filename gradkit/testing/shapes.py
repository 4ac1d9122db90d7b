"""Shape cases: the input shapes of one case, and their token in case ids.

An :class:`~gradkit.testing.OpSpec` lists its shape cases as tuples (``(3, 4)``, ``()``), as
one tuple per input (``((3, 4), (4,))`` for a broadcast) or as the tokens that appear in case
ids (``"3x4"``, ``"scalar"``, ``"3x4_4"``, ``"3x4nc"`` for non-contiguous inputs). A case with
a single shape gives that shape to every input, through the input's shape rule if it has one.

>>> from gradkit.testing.shapes import ShapeCase
>>> ShapeCase.parse("3x4_4")
ShapeCase(shapes=((3, 4), (4,)), noncontiguous=False)
>>> ShapeCase.parse((0, 3)).token
'0x3'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradkit.testing.options import parse_shape_tokens

__all__ = ["Shape", "ShapeCase", "shape_token"]

#: A shape: a tuple of non-negative ints (``()`` for a 0-d array).
Shape = tuple[int, ...]


def shape_token(shape: Shape) -> str:
    """The token of one shape in case ids: ``3x4``, ``0x3``, ``scalar`` for ``()``.

    >>> shape_token(())
    'scalar'
    """
    return "x".join(str(d) for d in shape) if shape else "scalar"


def _parse_shape_part(part: str) -> Shape:
    return () if part == "scalar" else tuple(int(d) for d in part.split("x"))


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple | list) and all(
        isinstance(d, int) and not isinstance(d, bool) for d in value
    )


@dataclass(frozen=True)
class ShapeCase:
    """The shapes of one case.

    Attributes:
        shapes: one shape per input, or a single shape shared by (and mapped through the shape
            rules of) all inputs.
        noncontiguous: whether the inputs are passed as non-contiguous strided views.
    """

    shapes: tuple[Shape, ...]
    noncontiguous: bool = False

    @classmethod
    def parse(cls, value: Any) -> ShapeCase:
        """Read a shape case from a tuple, a tuple of per-input tuples, a token string or a
        ShapeCase. Raises ``ValueError`` for anything else."""
        if isinstance(value, ShapeCase):
            return value
        if isinstance(value, str):
            (token,) = parse_shape_tokens([value])
            if token == "hypothesis" or token.startswith("ex"):
                raise ValueError(f"{value!r} names generated cases, not a shape")
            noncontiguous = token.endswith("nc")
            parts = token.removesuffix("nc").split("_")
            return cls(tuple(_parse_shape_part(p) for p in parts), noncontiguous)
        if _is_shape(value):
            shape = tuple(value)
            if any(d < 0 for d in shape):
                raise ValueError(f"negative dimension in shape {shape}")
            return cls((shape,))
        if isinstance(value, tuple | list) and value and all(_is_shape(s) for s in value):
            shapes = tuple(tuple(s) for s in value)
            if any(d < 0 for s in shapes for d in s):
                raise ValueError(f"negative dimension in shapes {shapes}")
            return cls(shapes)
        raise ValueError(
            f"invalid shape case {value!r}; write a shape tuple such as (3, 4) or (), one tuple "
            "per input such as ((3, 4), (4,)), or a token such as '3x4nc'"
        )

    @property
    def token(self) -> str:
        """The token in case ids: shapes joined by ``_``, ``nc`` appended when non-contiguous."""
        return "_".join(shape_token(s) for s in self.shapes) + ("nc" if self.noncontiguous else "")

    @property
    def is_shared(self) -> bool:
        """Whether one shape is given for all inputs (mapped through their shape rules)."""
        return len(self.shapes) == 1

    @property
    def has_zero_size(self) -> bool:
        """Whether some input has no elements."""
        return any(0 in s for s in self.shapes)

    def __str__(self) -> str:
        return self.token
