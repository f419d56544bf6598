#!/usr/bin/env python3
"""Train a small classifier in pure numpy: the training job of deco's ML
example.

The model is a two-layer perceptron (tanh hidden layer, softmax output) fitted
by full-batch gradient descent with Adam on a CSV dataset whose last column
(or the column named "label") holds integer class labels and whose other
columns are numeric features. HIDDEN=0 drops the hidden layer and fits a
linear softmax regression instead, a baseline.

Inputs and outputs, as deco lays them out:
  /inputs/dataset   the dataset: a CSV file, or a directory holding one
                    (dataset.csv, else the only *.csv in it)
  /outputs          model.npz (weights, normalisation, classes) and
                    metrics.json (hyperparameters, loss curve, accuracy)

Hyperparameters come from environment variables (defaults in brackets):
  DATASET [/inputs/dataset]  OUTPUTS [/outputs]  SEED [42]  HIDDEN [32]
  EPOCHS [1500]  LR [0.02]  L2 [0.0001]  TEST_FRACTION [0.2]  LOG_EVERY [100]

Everything is seeded, and nothing written to /outputs depends on the clock, so
two runs on the same image and CPU type write byte-identical files (deco's
replicated verification compares their digests). Timing goes to the log.
"""

import csv
import hashlib
import io
import json
import os
import sys
import time
import zipfile

import numpy as np

DEFAULTS = {
    "DATASET": "/inputs/dataset",
    "OUTPUTS": "/outputs",
    "SEED": "42",
    "HIDDEN": "32",
    "EPOCHS": "1500",
    "LR": "0.02",
    "L2": "0.0001",
    "TEST_FRACTION": "0.2",
    "LOG_EVERY": "100",
}


class ConfigError(Exception):
    """A bad hyperparameter or dataset; reported without a traceback."""


def config(env):
    """Reads and checks the hyperparameters from env."""
    raw = {k: env.get(k, v) for k, v in DEFAULTS.items()}

    def num(name, kind, ok, want):
        try:
            v = kind(raw[name])
        except ValueError:
            raise ConfigError(f"{name}={raw[name]!r} is not {'an integer' if kind is int else 'a number'}") from None
        if not ok(v):
            raise ConfigError(f"{name}={raw[name]!r}: want {want}")
        return v

    return {
        "dataset": raw["DATASET"],
        "outputs": raw["OUTPUTS"],
        "seed": num("SEED", int, lambda v: 0 <= v < 2**32, "0 <= SEED < 2^32"),
        "hidden": num("HIDDEN", int, lambda v: 0 <= v <= 4096, "0 <= HIDDEN <= 4096"),
        "epochs": num("EPOCHS", int, lambda v: 1 <= v <= 1_000_000, "1 <= EPOCHS <= 1e6"),
        "lr": num("LR", float, lambda v: 0 < v < 10, "0 < LR < 10"),
        "l2": num("L2", float, lambda v: 0 <= v < 1, "0 <= L2 < 1"),
        "test_fraction": num("TEST_FRACTION", float, lambda v: 0 < v < 1, "0 < TEST_FRACTION < 1"),
        "log_every": num("LOG_EVERY", int, lambda v: v >= 1, "LOG_EVERY >= 1"),
    }


def dataset_file(path):
    """Resolves DATASET to one CSV file."""
    if os.path.isfile(path):
        return path
    if not os.path.isdir(path):
        raise ConfigError(f"dataset {path} does not exist")
    if os.path.isfile(os.path.join(path, "dataset.csv")):
        return os.path.join(path, "dataset.csv")
    found = sorted(n for n in os.listdir(path) if n.endswith(".csv"))
    if len(found) != 1:
        raise ConfigError(f"dataset directory {path} holds {len(found)} .csv files ({found[:5]}), want dataset.csv or exactly one")
    return os.path.join(path, found[0])


def load(path):
    """Reads the CSV at path: features (float64 matrix), labels (int
    vector), the feature names, the sorted class labels and the file's
    SHA-256."""
    with open(path, "rb") as f:
        blob = f.read()
    rows = list(csv.reader(io.StringIO(blob.decode("utf-8"))))
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if len(rows) < 2:
        raise ConfigError(f"{path}: want a header row and data rows")
    header = [c.strip() for c in rows[0]]
    li = header.index("label") if "label" in header else len(header) - 1
    if len(header) < 2:
        raise ConfigError(f"{path}: want at least one feature column and a label column")
    x, y = [], []
    for n, r in enumerate(rows[1:], start=2):
        if len(r) != len(header):
            raise ConfigError(f"{path}:{n}: {len(r)} fields, header has {len(header)}")
        try:
            x.append([float(c) for i, c in enumerate(r) if i != li])
            y.append(int(r[li]))
        except ValueError as e:
            raise ConfigError(f"{path}:{n}: {e}") from None
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ConfigError(f"{path}: features must be finite numbers")
    names = [h for i, h in enumerate(header) if i != li]
    classes, y = np.unique(np.asarray(y), return_inverse=True)
    if len(classes) < 2:
        raise ConfigError(f"{path}: want at least two classes, found {classes.tolist()}")
    return x, y, names, classes, hashlib.sha256(blob).hexdigest()


def init(rng, n_in, hidden, n_out):
    """Glorot-uniform weights, zero biases."""

    def glorot(a, b):
        lim = np.sqrt(6.0 / (a + b))
        return rng.uniform(-lim, lim, size=(a, b))

    if hidden == 0:
        return {"W": glorot(n_in, n_out), "b": np.zeros(n_out)}
    return {
        "W1": glorot(n_in, hidden),
        "b1": np.zeros(hidden),
        "W2": glorot(hidden, n_out),
        "b2": np.zeros(n_out),
    }


def forward(p, x):
    """Returns the class probabilities and the hidden activations (None for
    the linear model)."""
    if "W" in p:
        h, z = None, x @ p["W"] + p["b"]
    else:
        h = np.tanh(x @ p["W1"] + p["b1"])
        z = h @ p["W2"] + p["b2"]
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True), h


def loss(p, probs, y, l2):
    """Mean cross-entropy plus the L2 penalty on the weight matrices."""
    ce = -np.mean(np.log(probs[np.arange(len(y)), y] + 1e-12))
    return ce + 0.5 * l2 * sum(np.sum(v * v) for k, v in p.items() if k.startswith("W"))


def grads(p, x, y, probs, h, l2):
    """Back-propagates the loss through the model."""
    d = probs.copy()
    d[np.arange(len(y)), y] -= 1.0
    d /= len(y)
    if h is None:
        return {"W": x.T @ d + l2 * p["W"], "b": d.sum(axis=0)}
    dh = (d @ p["W2"].T) * (1.0 - h * h)
    return {
        "W1": x.T @ dh + l2 * p["W1"],
        "b1": dh.sum(axis=0),
        "W2": h.T @ d + l2 * p["W2"],
        "b2": d.sum(axis=0),
    }


def evaluate(p, x, y, l2):
    """Returns (loss, accuracy) on x, y."""
    probs, _ = forward(p, x)
    return float(loss(p, probs, y, l2)), float(np.mean(probs.argmax(axis=1) == y))


def save_npz(path, arrays):
    """Writes arrays like numpy.savez but with fixed zip timestamps, so the
    same arrays always give the same bytes."""
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, buf.getvalue())
    os.replace(tmp, path)


def write_json(path, obj):
    """Writes obj as stable, indented JSON."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def r6(v):
    """Rounds a metric for the JSON file."""
    return round(float(v), 6)


def train(cfg, log):
    """Runs the whole job; returns the metrics written."""
    t0 = time.monotonic()
    path = dataset_file(cfg["dataset"])
    x, y, names, classes, sha = load(path)
    n, n_in = x.shape
    n_out = len(classes)
    log(f"dataset {path}: {n} rows, {n_in} features {names}, {n_out} classes {classes.tolist()}, sha256 {sha}")

    rng = np.random.default_rng(cfg["seed"])
    order = rng.permutation(n)
    n_test = max(1, int(round(n * cfg["test_fraction"])))
    if n - n_test < 1:
        raise ConfigError(f"{n} rows leave no training rows at TEST_FRACTION={cfg['test_fraction']}")
    test, tr = order[:n_test], order[n_test:]
    mean = x[tr].mean(axis=0)
    std = x[tr].std(axis=0)
    std[std == 0] = 1.0
    xs = (x - mean) / std
    xtr, ytr, xte, yte = xs[tr], y[tr], xs[test], y[test]

    p = init(rng, n_in, cfg["hidden"], n_out)
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v2 = {k: np.zeros_like(v) for k, v in p.items()}
    b1, b2, eps = 0.9, 0.999, 1e-8
    l2 = cfg["l2"]
    curve = []
    for epoch in range(1, cfg["epochs"] + 1):
        probs, h = forward(p, xtr)
        train_loss = float(loss(p, probs, ytr, l2))
        if not np.isfinite(train_loss):
            raise ConfigError(f"training diverged at epoch {epoch} (loss {train_loss}); lower LR")
        g = grads(p, xtr, ytr, probs, h, l2)
        for k in p:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v2[k] = b2 * v2[k] + (1 - b2) * g[k] * g[k]
            mh = m[k] / (1 - b1**epoch)
            vh = v2[k] / (1 - b2**epoch)
            p[k] = p[k] - cfg["lr"] * mh / (np.sqrt(vh) + eps)
        if epoch == 1 or epoch % cfg["log_every"] == 0 or epoch == cfg["epochs"]:
            train_acc = float(np.mean(probs.argmax(axis=1) == ytr))
            test_loss, test_acc = evaluate(p, xte, yte, l2)
            curve.append({
                "epoch": epoch,
                "train_loss": r6(train_loss),
                "train_accuracy": r6(train_acc),
                "test_loss": r6(test_loss),
                "test_accuracy": r6(test_acc),
            })
            log(f"epoch {epoch:6d}  train loss {train_loss:.4f} acc {train_acc:.4f}  test loss {test_loss:.4f} acc {test_acc:.4f}")

    train_loss, train_acc = evaluate(p, xtr, ytr, l2)
    test_loss, test_acc = evaluate(p, xte, yte, l2)
    pred = forward(p, xte)[0].argmax(axis=1)
    confusion = np.zeros((n_out, n_out), dtype=np.int64)
    np.add.at(confusion, (yte, pred), 1)
    majority = float(np.max(np.bincount(yte, minlength=n_out)) / len(yte))

    hyper = {k: cfg[k] for k in ("seed", "hidden", "epochs", "lr", "l2", "test_fraction")}
    model = dict(p)
    model.update({
        "mean": mean,
        "std": std,
        "classes": classes,
        "feature_names": np.asarray(names),
        "hyperparameters": np.asarray(json.dumps(hyper, sort_keys=True)),
    })
    out = cfg["outputs"]
    os.makedirs(out, exist_ok=True)
    save_npz(os.path.join(out, "model.npz"), model)
    metrics = {
        "model": "softmax regression" if cfg["hidden"] == 0 else f"mlp {n_in}-{cfg['hidden']}-{n_out} tanh/softmax",
        "parameters": int(sum(v.size for v in p.values())),
        "dataset": {"file": os.path.basename(path), "sha256": sha, "rows": n, "features": names,
                    "classes": classes.tolist(), "train_rows": len(tr), "test_rows": n_test},
        "hyperparameters": hyper,
        "numpy": np.__version__,
        "final": {"train_loss": r6(train_loss), "train_accuracy": r6(train_acc),
                  "test_loss": r6(test_loss), "test_accuracy": r6(test_acc),
                  "majority_class_accuracy": r6(majority)},
        "confusion_matrix": confusion.tolist(),
        "curve": curve,
    }
    write_json(os.path.join(out, "metrics.json"), metrics)
    log(f"done in {time.monotonic() - t0:.2f} s: test accuracy {test_acc:.4f} (majority class {majority:.4f}); wrote {out}/model.npz, {out}/metrics.json")
    return metrics


def main():
    try:
        train(config(os.environ), lambda s: print(s, flush=True))
    except (ConfigError, OSError) as e:
        print(f"train.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
