"""softsign: values and gradients (its second derivative jumps at 0)."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit_ops.activation import softsign


def test_values() -> None:
    x = np.array([-3.0, 0.0, 1.0, 1e300])
    np.testing.assert_array_equal(softsign(x).array, [-0.75, 0.0, 0.5, 1.0])


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gradients_to_second_order_away_from_zero(device, rng, gradcheck) -> None:
    x = rng.uniform(0.1, 4.0, (2, 3)) * rng.choice([-1.0, 1.0], (2, 3))
    gradcheck(softsign, [x], device=device)
