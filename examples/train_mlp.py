"""Train a multi-layer perceptron on two interleaved spirals, end to end with gradkit.

The whole cycle of the seed document, with the library's pieces: a ``Chain`` of ``Linear``
links, forward to a softmax cross-entropy loss, backward through the graph (gradients
accumulate in each parameter's ``grad``), then an optimizer's update rules change the
parameters in place. The dataset is generated here: two spirals of points, one per class,
winding three times around each other, which no linear classifier separates.

The script prints the loss and the accuracies as training goes, then the final test accuracy
and the time taken, and exits with status 1 if the test accuracy is below ``--target``.

Run it with ``python examples/train_mlp.py`` (about 10 seconds on a small machine), or
``python examples/train_mlp.py --quick`` for a shortened run. ``--save model.npz`` writes the
trained parameters with :mod:`gradkit.serializers`.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import gradkit
from gradkit import optimizers
from gradkit_ops import relu
from gradkit_ops.links import Linear
from gradkit_ops.loss import softmax_cross_entropy


def make_spirals(
    n_per_class: int, rng: np.random.Generator, *, turns: float = 3.0, noise: float = 0.02
) -> tuple[np.ndarray, np.ndarray]:
    """Points on two interleaved spirals (float32, shape ``(2 n, 2)``) and their labels.

    Class 0 follows ``r (cos a, sin a)`` and class 1 the same spiral turned by half a turn,
    with the radius ``r`` growing from 0.05 to 1 as the angle ``a`` goes round ``turns``
    times; ``noise`` is the standard deviation of the Gaussian jitter added to each point.
    """
    r = np.sqrt(rng.uniform(0.0025, 1.0, n_per_class))  # uniform density along the arm
    angle = r * turns * 2 * np.pi
    arm = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    x = np.concatenate([arm, -arm]) + rng.normal(0.0, noise, (2 * n_per_class, 2))
    t = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)])
    order = rng.permutation(2 * n_per_class)
    return x[order].astype(np.float32), t[order].astype(np.int64)


class MLP(gradkit.Chain):
    """Three linear layers with ReLU in between; the input size is found at the first call."""

    def __init__(self, hidden: int, n_classes: int = 2) -> None:
        super().__init__()
        self.l1 = Linear(hidden)
        self.l2 = Linear(hidden, hidden)
        self.l3 = Linear(hidden, n_classes)

    def forward(self, x: np.ndarray) -> gradkit.Variable:
        """The class scores (logits) of a batch of points."""
        return self.l3(relu(self.l2(relu(self.l1(x)))))


def accuracy(model: MLP, x: np.ndarray, t: np.ndarray) -> float:
    """The fraction of points classified right (in evaluation mode, with no graph)."""
    with gradkit.no_backprop_mode(), gradkit.using_config("train", False):
        scores = model(x).array
    return float((scores.argmax(axis=1) == t).mean())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=60, help="passes over the training set")
    p.add_argument("--quick", action="store_true", help="a shortened run: 15 epochs")
    p.add_argument("--points", type=int, default=2000, help="training points per class")
    p.add_argument("--hidden", type=int, default=128, help="units per hidden layer")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.01, help="Adam's step size")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--target", type=float, default=0.97, help="test accuracy to reach")
    p.add_argument("--save", metavar="PATH", help="save the trained parameters to PATH (.npz)")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs = 15
    return args


def main(argv: list[str] | None = None) -> int:
    """Train, report, and return the exit status (0 when the target accuracy is reached)."""
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    gradkit.initializers.seed(args.seed)
    x_train, t_train = make_spirals(args.points, rng)
    x_test, t_test = make_spirals(1000, rng)
    model = MLP(args.hidden)
    optimizer = optimizers.Adam(lr=args.lr).setup(model)
    print(
        f"two spirals: {len(x_train)} training and {len(x_test)} test points; MLP 2-"
        f"{args.hidden}-{args.hidden}-2, Adam(lr={args.lr}), batch {args.batch_size}"
    )

    start = time.perf_counter()
    n = len(x_train)
    report_every = max(1, args.epochs // 10)
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(n)
        total = 0.0
        for i in range(0, n, args.batch_size):
            batch = order[i : i + args.batch_size]
            xb, tb = x_train[batch], t_train[batch]
            loss = optimizer.update(lambda xb=xb, tb=tb: softmax_cross_entropy(model(xb), tb))
            total += loss.item() * len(batch)
        optimizer.new_epoch()
        if epoch % report_every == 0 or epoch == args.epochs:
            print(
                f"epoch {epoch:3d}  loss {total / n:.4f}  "
                f"train accuracy {accuracy(model, x_train, t_train):.4f}  "
                f"test accuracy {accuracy(model, x_test, t_test):.4f}  "
                f"({time.perf_counter() - start:.1f} s)",
                flush=True,
            )
    elapsed = time.perf_counter() - start
    final = accuracy(model, x_test, t_test)
    print(f"test accuracy: {final:.4f} after {args.epochs} epochs in {elapsed:.1f} s")
    if args.save:
        gradkit.serializers.save_npz(args.save, model)
        print(f"saved the parameters to {args.save}")
    if final < args.target:
        print(f"below the target accuracy {args.target}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
