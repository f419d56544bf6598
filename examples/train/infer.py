#!/usr/bin/env python3
"""Serve the model train.py wrote (model.npz) as an HTTP inference endpoint:
the paid service of the ML example (docs/services.md). numpy and Python's
standard library only; runs in deco-python:latest as a service job.

  POST /predict   {"points": [[x1, x2], ...]}  (at most 1,000 points)
              ->  {"labels": [...], "probabilities": [[...], ...]}
  GET  /health    {"ok": true, "model": "...", "classes": [...]}

Every response reports the points it classified in the X-Deco-Units
header, so a service priced per unit charges per point. Answers are
deterministic (probabilities rounded to 6 digits), so replicate
verification compares them byte for byte.

Usage: infer.py [--model /inputs/model/model.npz] [--bind 0.0.0.0] [--port 8080]
"""

import argparse
import http.server
import io
import json
import sys
import zipfile

import numpy as np

MAX_POINTS = 1000
MAX_BODY = 1 << 20


def load(path):
    """Reads model.npz (arrays written by train.py's save_npz)."""
    arrays = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            arrays[name[:-4]] = np.lib.format.read_array(io.BytesIO(z.read(name)), allow_pickle=False)
    return arrays


def predict(m, x):
    """Class probabilities of the rows of x, as train.py's forward."""
    x = (x - m["mean"]) / m["std"]
    if "W" in m:
        z = x @ m["W"] + m["b"]
    else:
        z = np.tanh(x @ m["W1"] + m["b1"]) @ m["W2"] + m["b2"]
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class Handler(http.server.BaseHTTPRequestHandler):
    model = None
    protocol_version = "HTTP/1.1"

    def reply(self, status, obj, units=None):
        body = json.dumps(obj, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if units is not None:
            self.send_header("X-Deco-Units", str(units))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/health":
            return self.reply(404, {"error": "GET /health or POST /predict"})
        m = self.model
        return self.reply(200, {"ok": True, "classes": m["classes"].tolist(),
                                "features": m["feature_names"].tolist(),
                                "hyperparameters": json.loads(str(m["hyperparameters"]))})

    def do_POST(self):
        if self.path != "/predict":
            return self.reply(404, {"error": "GET /health or POST /predict"})
        n = int(self.headers.get("Content-Length") or 0)
        if n <= 0 or n > MAX_BODY:
            return self.reply(400, {"error": f"want a JSON body of 1 to {MAX_BODY} bytes"})
        try:
            req = json.loads(self.rfile.read(n))
            x = np.asarray(req["points"], dtype=np.float64)
            if x.ndim != 2 or x.shape[1] != self.model["mean"].shape[0] or not 0 < len(x) <= MAX_POINTS:
                raise ValueError(f"points: want 1 to {MAX_POINTS} rows of {self.model['mean'].shape[0]} numbers")
            if not np.all(np.isfinite(x)):
                raise ValueError("points: want finite numbers")
        except (ValueError, KeyError, TypeError) as e:
            return self.reply(400, {"error": str(e)})
        probs = predict(self.model, x)
        labels = self.model["classes"][probs.argmax(axis=1)]
        return self.reply(200, {"labels": labels.tolist(),
                                "probabilities": [[round(float(p), 6) for p in row] for row in probs]},
                          units=len(x))

    def log_message(self, fmt, *args):
        sys.stderr.write("infer.py: " + (fmt % args) + "\n")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="/inputs/model/model.npz")
    p.add_argument("--bind", default="0.0.0.0")
    p.add_argument("--port", type=int, default=8080)
    a = p.parse_args(argv)
    Handler.model = load(a.model)
    srv = http.server.ThreadingHTTPServer((a.bind, a.port), Handler)
    print(f"serving {a.model} ({Handler.model['classes'].tolist()} classes) on http://{a.bind}:{a.port}/", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
