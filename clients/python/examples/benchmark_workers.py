#!/usr/bin/env python3
"""Steps per second of PyTorch workers training through a Paramstream server.

For a model of about 1M and about 10M parameters and 1, 2 and 4 worker processes, each worker
runs warm-up steps, then timed steps of the usual loop (forward, backward, optimizer.step()) on
random data; the table gives the total steps/s over the workers (median of rounds, with min and
max) and the time one step() spends sending the push, waiting for acks and pulling weights.

    java -jar server/target/paramstream-server-0.1.0-SNAPSHOT-all.jar --port 50051 &
    /usr/bin/python3 clients/python/examples/benchmark_workers.py --target 127.0.0.1:50051
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import paramstream.torch as pst  # noqa: E402

SIZES = {"1M": 1000, "10M": 3160}  # hidden width d: d*d + 11*d + 10 parameters


def model(width):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))


def worker(args):
    """One worker process: prints one JSON line with its rate and per-step timings."""
    torch.set_num_threads(1)
    net = model(SIZES[args.size])
    optimizer = pst.DistributedOptimizer(net, args.target, "sgd", lr=1e-3, momentum=0.9,
                                         prefix=args.prefix, max_in_flight=2)
    x = torch.randn(32, SIZES[args.size])
    y = torch.randint(0, 10, (32,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss_fn(net(x), y).backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    before = optimizer.timings
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    elapsed = time.perf_counter() - started
    after = optimizer.timings
    optimizer.close()
    per_step = {k: (getattr(after, k) - getattr(before, k)) / args.steps * 1e3
                for k in ("push", "wait", "pull")}
    print(json.dumps({"steps_per_s": args.steps / elapsed, **per_step}), flush=True)


def run(args, size, workers, round_):
    prefix = f"bench-{size}-{workers}-{round_}/"
    command = [sys.executable, __file__, "--worker", "--target", args.target, "--size", size,
               "--prefix", prefix, "--steps", str(args.steps), "--warmup", str(args.warmup)]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ, RANK=str(r), WORLD_SIZE=str(workers)))
        for r in range(workers)
    ]
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in processes]
    if any(p.returncode for p in processes):
        sys.exit("a worker failed")
    return {
        "steps_per_s": sum(r["steps_per_s"] for r in results),
        **{k: statistics.mean(r[k] for r in results) for k in ("push", "wait", "pull")},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--size", choices=SIZES, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    print("| model | workers | steps/s median (min-max) | push ms/step | wait ms/step |"
          " pull ms/step |")
    print("|---|---|---|---|---|---|")
    for size in SIZES:
        for workers in (1, 2, 4):
            # Rounds interleave with nothing else; the median damps a noisy machine.
            rounds = [run(args, size, workers, r) for r in range(args.rounds)]
            rates = sorted(r["steps_per_s"] for r in rounds)
            middle = sorted(rounds, key=lambda r: r["steps_per_s"])[len(rounds) // 2]
            print(f"| {size} | {workers} | {statistics.median(rates):.1f}"
                  f" ({rates[0]:.1f}-{rates[-1]:.1f}) | {middle['push']:.1f} |"
                  f" {middle['wait']:.1f} | {middle['pull']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
