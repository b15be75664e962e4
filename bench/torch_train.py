"""The TinyLM model and objective in PyTorch (CPU), for the training-speed benchmark.

Run by `bench/train_speed.py` inside a virtual environment that has torch; reads the examples from
an .npz file and prints one JSON object per epoch on stdout. Same model (mean of context embeddings,
linear layer, softmax), same initialisation scale, same loss (summed cross-entropy), same plain SGD
with linear decay, same checkpoints.
"""

import json
import sys

import numpy as np
import torch

from clock import TrainingClock


def main(path, batch_size, lr, epochs, checkpoints_per_epoch, seed):
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    data = np.load(path)
    X, y = torch.from_numpy(data["contexts"]), torch.from_numpy(data["targets"])
    Xv, yv = torch.from_numpy(data["val_contexts"]), torch.from_numpy(data["val_targets"])
    V, d = int(data["V"]), int(data["d"])
    E = torch.nn.Parameter(0.1 * torch.randn(V, d))
    W = torch.nn.Parameter(0.1 * torch.randn(d, V))
    b = torch.nn.Parameter(torch.zeros(V))
    opt = torch.optim.SGD([E, W, b], lr=lr)
    steps_per_epoch = -(-len(y) // batch_size)
    total = epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(1 - s / total, 1e-4))

    def val_loss():
        with torch.no_grad():
            logits = E[Xv].mean(1) @ W + b
            return float(torch.nn.functional.cross_entropy(logits, yv))

    clock = TrainingClock()
    every = max(1, steps_per_epoch // checkpoints_per_epoch)
    for epoch in range(epochs):
        start = clock.elapsed()
        order = torch.randperm(len(y))
        total_loss = 0.0
        for step in range(steps_per_epoch):
            idx = order[step * batch_size:(step + 1) * batch_size]
            logits = E[X[idx]].mean(1) @ W + b
            loss = torch.nn.functional.cross_entropy(logits, y[idx], reduction="sum")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += float(loss)
            if (step + 1) % every == 0 and step + 1 < steps_per_epoch:
                clock.checkpoint(val_loss)
        seconds = clock.elapsed() - start
        vl = clock.checkpoint(val_loss)
        print(json.dumps({"epoch": epoch + 1, "seconds": seconds, "loss": total_loss / len(y), "val_loss": vl,
                          "points": clock.points}), flush=True)


if __name__ == "__main__":
    path, batch_size, lr, epochs, per_epoch, seed = sys.argv[1:7]
    main(path, int(batch_size), float(lr), int(epochs), int(per_epoch), int(seed))
