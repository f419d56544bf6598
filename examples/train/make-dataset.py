#!/usr/bin/env python3
"""Write the synthetic dataset of the deco ML example: three interleaved
spirals in the plane, one class per spiral, as CSV (x1,x2,label).

No linear model separates the spirals (train.py with HIDDEN=0, a linear
softmax regression, scores about 38% on the test split, barely above the 36%
of always answering the majority class), so the model needs its hidden layer.
The output depends only on the arguments: the same seed writes the same bytes
on every machine (Python's own random module, no numpy needed).

Usage: make-dataset.py [--rows-per-class N] [--classes K] [--noise S]
                       [--seed N] [-o FILE]
"""

import argparse
import math
import random
import sys


def spirals(rows_per_class, classes, noise, seed):
    """Yields (x1, x2, label) rows, classes interleaved, in a shuffled order."""
    rng = random.Random(seed)
    rows = []
    for k in range(classes):
        for i in range(rows_per_class):
            r = i / rows_per_class  # radius 0..1
            # 1.75 turns per spiral, each spiral rotated by 2*pi/classes.
            theta = 1.75 * 2 * math.pi * r + 2 * math.pi * k / classes
            theta += rng.gauss(0.0, noise)
            rows.append((r * math.cos(theta), r * math.sin(theta), k))
    rng.shuffle(rows)
    return rows


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows-per-class", type=int, default=1000)
    p.add_argument("--classes", type=int, default=3)
    p.add_argument("--noise", type=float, default=0.2, help="angle noise, radians")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("-o", "--output", default="-", help="output file, - for stdout")
    a = p.parse_args(argv)
    if a.rows_per_class < 1 or a.classes < 2 or a.noise < 0:
        p.error("need --rows-per-class >= 1, --classes >= 2, --noise >= 0")

    lines = ["x1,x2,label"]
    lines += [f"{x:.4f},{y:.4f},{k}" for x, y, k in spirals(a.rows_per_class, a.classes, a.noise, a.seed)]
    text = "\n".join(lines) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w", newline="\n") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
