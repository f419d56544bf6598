"""infer.py: one task's share of a split inference.

Reads the model that ddp.py's rank 0 wrote (/inputs/model/model.json) and
the points of this task's share of the input (/inputs/points: lines
"x1,x2"; with `split: lines` task i of N gets lines i, i+N, ...), and
writes one predicted class per input line, in order, to
/outputs/predictions.txt. Combining the tasks' files in task order
(line j is task j mod N's line j div N) gives the predictions for the
whole input.
"""

import json
import os

import torch


def main():
    torch.set_num_threads(1)
    with open("/inputs/model/model.json") as f:
        m = json.load(f)
    net = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.Tanh(), torch.nn.Linear(64, 3)).double()
    net.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in m["weights"].items()})
    mean, std = torch.tensor(m["mean"], dtype=torch.float64), torch.tensor(m["std"], dtype=torch.float64)
    with open("/inputs/points") as f:
        points = [[float(v) for v in line.split(",")] for line in f if line.strip()]
    with torch.no_grad():
        pred = net((torch.tensor(points, dtype=torch.float64) - mean) / std).argmax(1) if points else torch.tensor([])
    with open("/outputs/predictions.txt", "w") as f:
        f.writelines(f"{int(p)}\n" for p in pred)
    print(f"task {os.environ.get('DECO_TASK_INDEX', 0)} of {os.environ.get('DECO_TASK_COUNT', 1)}: "
          f"predicted {len(points)} points")


if __name__ == "__main__":
    main()
