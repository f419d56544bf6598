"""allreduce.py: one torch.distributed gloo all-reduce across the job's tasks.

Every rank contributes a tensor filled with rank + 1; after the all-reduce
every rank must hold 1 + 2 + ... + WORLD_SIZE. Then it times STEPS
all-reduces of a FLOATS-element float32 tensor (default 1M floats, 4 MiB:
the size of one gradient bucket of a small model) and writes
/outputs/allreduce.json.

torch.distributed reads RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT from
the environment, and gloo binds to GLOO_SOCKET_IFNAME: deco sets them all
for a job with links (docs/multinode.md). Nothing here is deco-specific.
"""

import datetime
import json
import os
import statistics
import time

import torch
import torch.distributed as dist


def main():
    torch.set_num_threads(1)
    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=120))
    rank, world = dist.get_rank(), dist.get_world_size()
    print(f"rank {rank} of {world}: master {os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}, "
          f"interface {os.environ.get('GLOO_SOCKET_IFNAME')}")

    t = torch.full((4,), float(rank + 1))
    dist.all_reduce(t)
    want = world * (world + 1) / 2
    ok = bool(torch.all(t == want))
    print(f"rank {rank}: all-reduce sum {t.tolist()} (want {want}): {'ok' if ok else 'WRONG'}")

    floats = int(os.environ.get("FLOATS", 1 << 20))
    steps = int(os.environ.get("STEPS", 20))
    buf = torch.ones(floats)
    dist.all_reduce(buf)  # warm up the connections
    dist.barrier()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        dist.all_reduce(buf)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"rank {rank}: {steps} all-reduces of {floats} floats: median {median * 1000:.2f} ms")

    with open("/outputs/allreduce.json", "w") as f:
        json.dump({"rank": rank, "world_size": world, "sum": t.tolist(), "want": want, "ok": ok,
                   "floats": floats, "steps": steps, "step_seconds": times, "median_seconds": median}, f)
    dist.destroy_process_group()
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
