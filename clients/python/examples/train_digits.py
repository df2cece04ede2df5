#!/usr/bin/env python3
"""Trains an MLP on sklearn's digits with N worker processes through a Paramstream server.

The training loop is the usual PyTorch one; three lines differ from single-process training
(marked below). Start a server, then:

    /usr/bin/python3 clients/python/examples/train_digits.py --target 127.0.0.1:50051 --workers 3

Each worker trains on its shard of every epoch and prints loss and held-out accuracy per epoch;
at the end the launcher evaluates the server's final weights. `--single` trains the same model
in this one process with torch.optim, as the baseline. `--report-dir DIR` also writes
DIR/training.csv: epoch, worker, loss, accuracy, a row per epoch per worker and one with their
mean, in the same format as the Java example's.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import paramstream.torch  # noqa: E402  (changed line 1 of 3)
from paramstream import ParamstreamClient  # noqa: E402

SEED = 0


def data():
    digits = load_digits()
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target, dtype=torch.long)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=SEED, stratify=y
    )
    return x_train, x_test, y_train, y_test


def model():
    torch.manual_seed(SEED)
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def accuracy(net, x, y):
    with torch.no_grad():
        return (net(x).argmax(dim=1) == y).float().mean().item()


def train(args, rank, world_size):
    """One worker's loop (or the whole run with --single): unchanged PyTorch but for 3 lines."""
    x_train, x_test, y_train, y_test = data()
    net = model()
    if args.single:
        optimizer = torch.optim.SGD(
            [{"params": [p for n, p in net.named_parameters() if n.endswith("weight")],
              "weight_decay": args.weight_decay},
             {"params": [p for n, p in net.named_parameters() if n.endswith("bias")]}],
            lr=args.lr, momentum=args.momentum)
    else:
        optimizer = paramstream.torch.DistributedOptimizer(  # changed line 2 of 3
            net, args.target, "sgd", lr=args.lr, momentum=args.momentum,
            weight_decay=args.weight_decay, prefix=args.prefix, max_in_flight=2)
    first_epoch = resume_epoch(args, rank)
    # Decays to a small rate by the end, so the final weights settle (asynchronous ones too).
    optimizer.param_groups[0].setdefault("initial_lr", args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, args.epochs // 3),
                                                gamma=0.3, last_epoch=first_epoch - 2)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED + rank)
    shard = torch.arange(rank, len(x_train), world_size)
    for epoch in range(first_epoch, args.epochs + 1):
        order = shard[torch.randperm(len(shard), generator=generator)]
        total = 0.0
        for start in range(0, len(order), args.batch_size):
            batch = order[start:start + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(net(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        scheduler.step()
        print(f"rank {rank} epoch {epoch} loss {total / len(order):.4f}"
              f" accuracy {accuracy(net, x_test, y_test):.4f}", flush=True)
        if args.report_dir and not args.single:
            record_epoch(args.report_dir, rank, epoch, total / len(order),
                         accuracy(net, x_test, y_test))
        if args.progress_dir:
            # Written aside and renamed: a worker killed mid-write leaves the old record whole.
            record = Path(args.progress_dir, f"rank-{rank}")
            record.with_suffix(".tmp").write_text(str(epoch))
            os.replace(record.with_suffix(".tmp"), record)
    if not args.single:
        optimizer.close()  # changed line 3 of 3
        print(f"rank {rank} done: {optimizer.timings.steps} steps,"
              f" {optimizer.duplicates} duplicate pushes", flush=True)
    return accuracy(net, x_test, y_test)


def resume_epoch(args, rank):
    """The epoch to start with: 1, or the one after the last this rank finished before a restart.

    The weights need no saving: the server holds them, and the worker pulls them at start.
    """
    if not args.progress_dir:
        return 1
    done = Path(args.progress_dir, f"rank-{rank}")
    return int(done.read_text()) + 1 if done.exists() else 1


def record_epoch(report_dir, rank, epoch, loss, held_out_accuracy):
    """Appends one row to this rank's file (a restarted worker appends after its earlier rows)."""
    with open(Path(report_dir, f"worker-{rank}.csv"), "a") as rows:
        rows.write(f"{epoch},worker-{rank},{loss:.6f},{held_out_accuracy:.6f}\n")


def write_report(report_dir, world_size):
    """Merges the workers' rows into training.csv, each epoch ended by the mean over workers.

    A rank that redid an epoch after a restart counts with its last row for that epoch.
    """
    epochs = {}
    for rank in range(world_size):
        path = Path(report_dir, f"worker-{rank}.csv")
        if path.exists():
            for line in path.read_text().splitlines():
                epoch, worker, loss, held_out = line.split(",")
                epochs.setdefault(int(epoch), {})[worker] = (float(loss), float(held_out))
    lines = ["epoch,worker,loss,accuracy"]
    for epoch, by_worker in sorted(epochs.items()):
        for worker, (loss, held_out) in sorted(by_worker.items()):
            lines.append(f"{epoch},{worker},{loss:.6f},{held_out:.6f}")
        losses, accuracies = zip(*by_worker.values())
        lines.append(f"{epoch},mean,{np.mean(losses):.6f},{np.mean(accuracies):.6f}")
    Path(report_dir, "training.csv").write_text("\n".join(lines) + "\n")


def evaluate_server(args):
    """Held-out accuracy of the weights the server holds now."""
    x_train, x_test, y_train, y_test = data()
    net = model()
    names = [args.prefix + n for n, _ in net.named_parameters()]
    with ParamstreamClient(args.target) as client:
        pulled = client.pull(names)
    with torch.no_grad():
        for name, param in net.named_parameters():
            param.copy_(torch.from_numpy(pulled[args.prefix + name].values).view_as(param))
    return accuracy(net, x_test, y_test)


def launch(args):
    """Starts `--workers` processes of this script, as torchrun would (RANK, WORLD_SIZE)."""
    if args.report_dir:
        Path(args.report_dir).mkdir(parents=True, exist_ok=True)
    workers = []
    for rank in range(args.workers):
        env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(args.workers))
        workers.append(subprocess.Popen([sys.executable, __file__, *sys.argv[1:], "--worker"],
                                        env=env))
    failed = [w.args for w in workers if w.wait() != 0]
    if failed:
        sys.exit(f"{len(failed)} worker(s) failed")
    if args.report_dir and args.workers > 0:
        write_report(args.report_dir, args.workers)
        print(f"report: {Path(args.report_dir, 'training.csv')}", flush=True)
    print(f"final accuracy {evaluate_server(args):.4f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="127.0.0.1:50051", help="server host:port")
    parser.add_argument("--workers", type=int, default=3, help="worker processes to start")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--prefix", default="digits/", help="group name prefix on the server")
    parser.add_argument("--progress-dir",
                        help="remember each rank's finished epochs here, so a restarted worker"
                             " resumes after the last one")
    parser.add_argument("--report-dir",
                        help="write training.csv here: loss and held-out accuracy per epoch per"
                             " worker, and their mean")
    parser.add_argument("--single", action="store_true",
                        help="train in this process with torch.optim (the baseline)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single:
        print(f"final accuracy {train(args, 0, 1):.4f}", flush=True)
    elif args.worker:
        train(args, *paramstream.torch.worker_identity())
    else:
        launch(args)


if __name__ == "__main__":
    main()
