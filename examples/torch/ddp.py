"""ddp.py: data-parallel training with DistributedDataParallel.

Reads the spirals dataset of examples/train (CSV x1,x2,label at
/inputs/dataset), standardises it with the whole dataset's mean and
standard deviation, and trains a 2-64-3 tanh perceptron by full-batch Adam.
Rank r of W trains on rows r, r+W, r+2W, ... (its shard); DDP averages the
gradients across ranks every step, so with shards of equal size each step
follows the gradient of the whole dataset's mean loss: the run must end
where a single process training on all rows ends (WORLD_SIZE=1, no
torch.distributed), up to float rounding.

Every rank writes /outputs/metrics.json (its shard, the final loss and
accuracy on the whole dataset, the median step time, a digest of its
parameters: equal on every rank); rank 0 also writes /outputs/model.json,
the weights that infer.py reads.
"""

import csv
import datetime
import hashlib
import json
import os
import statistics
import time

import torch
import torch.distributed as dist

EPOCHS = int(os.environ.get("EPOCHS", 300))
LR = float(os.environ.get("LR", 0.02))


def load(path):
    with open(path) as f:
        rows = [r for r in csv.reader(f) if r and r[0] != "x1"]
    x = torch.tensor([[float(r[0]), float(r[1])] for r in rows], dtype=torch.float64)
    y = torch.tensor([int(r[2]) for r in rows])
    return x, y


def model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.Tanh(), torch.nn.Linear(64, 3)).double()


def digest(m):
    h = hashlib.sha256()
    for p in m.parameters():
        h.update(p.detach().numpy().tobytes())
    return h.hexdigest()


def main():
    torch.set_num_threads(1)
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    if world > 1:
        dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=120))
    x, y = load("/inputs/dataset")
    if len(x) % world:
        raise SystemExit(f"{len(x)} rows do not split evenly into {world} shards")
    mean, std = x.mean(0), x.std(0)
    x = (x - mean) / std
    xs, ys = x[rank::world], y[rank::world]
    print(f"rank {rank} of {world}: {len(x)} rows, training on {len(xs)} (rows {rank}, {rank + world}, ...)")

    net = model()
    train = torch.nn.parallel.DistributedDataParallel(net) if world > 1 else net
    opt = torch.optim.Adam(train.parameters(), lr=LR)
    lossf = torch.nn.CrossEntropyLoss()
    times = []
    for epoch in range(1, EPOCHS + 1):
        start = time.perf_counter()
        opt.zero_grad()
        loss = lossf(train(xs), ys)
        loss.backward()  # DDP all-reduces (averages) the gradients here
        opt.step()
        times.append(time.perf_counter() - start)
        if epoch % 100 == 0:
            print(f"rank {rank}: epoch {epoch}: shard loss {loss.item():.6f}")

    with torch.no_grad():
        out = net(x)
        final = lossf(out, y).item()
        acc = (out.argmax(1) == y).double().mean().item()
    metrics = {"rank": rank, "world_size": world, "rows": len(x), "shard_rows": len(xs), "epochs": EPOCHS,
               "final_loss": final, "accuracy": acc, "median_step_seconds": statistics.median(times),
               "parameters_sha256": digest(net)}
    print(f"rank {rank}: final loss {final:.8f} on all {len(x)} rows, accuracy {acc:.4f}, "
          f"median step {metrics['median_step_seconds'] * 1000:.2f} ms")
    with open("/outputs/metrics.json", "w") as f:
        json.dump(metrics, f)
    if rank == 0:
        weights = {k: v.tolist() for k, v in net.state_dict().items()}
        with open("/outputs/model.json", "w") as f:
            json.dump({"weights": weights, "mean": mean.tolist(), "std": std.tolist()}, f)
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
