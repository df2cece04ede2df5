#!/usr/bin/env python3
"""Pushes and pulls per second of the Python client under different gRPC channel options.

For each group size, each option set opens its own channel to one running server and runs, in
interleaved rounds, pushes acknowledged one at a time and pulls of the whole group. The table
gives the median rate of the rounds with min and max, and its ratio to gRPC's defaults measured
in the same rounds. protocol.md's advice on channel options comes from this script.

    java -jar server/target/paramstream-server-0.1.0-SNAPSHOT-all.jar --port 50051 &
    /usr/bin/python3 clients/python/examples/channel_options.py --target 127.0.0.1:50051
"""

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

import grpc
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from paramstream import ParamstreamClient  # noqa: E402

MIB = 1 << 20

# Option sets worth comparing: gRPC C-core's defaults, then one change at a time, then together.
OPTION_SETS = {
    "defaults": [],
    # The server cuts pulls into 1 MiB chunks and a client cuts pushes the same way, so C-core's
    # 4 MiB receive limit is never reached; this set shows that raising it buys nothing.
    "max message 64 MiB": [
        ("grpc.max_receive_message_length", 64 * MIB),
        ("grpc.max_send_message_length", 64 * MIB),
    ],
    # HTTP/2 frames: the Java server sends DATA frames as large as the client allows (16 KiB by
    # default), so a larger limit means fewer frames per pulled MiB.
    "max frame 1 MiB": [("grpc.http2.max_frame_size", MIB)],
    # The stream's receive window before BDP probing grows it.
    "window 8 MiB": [("grpc.http2.lookahead_bytes", 8 * MIB)],
    "no BDP probe": [("grpc.http2.bdp_probe", 0)],
    "frame 1 MiB + window 8 MiB": [
        ("grpc.http2.max_frame_size", MIB),
        ("grpc.http2.lookahead_bytes", 8 * MIB),
    ],
}


def rate(operation, seconds):
    """Operations per second of `operation` run back to back for about `seconds`."""
    count = 0
    start = time.perf_counter()
    end = start + seconds
    while time.perf_counter() < end:
        operation()
        count += 1
    return count / (time.perf_counter() - start)


def measure(target, options, floats, warmup, seconds):
    """(pushes/s, pulls/s) of one channel with `options` on a fresh group of `floats`."""
    channel = grpc.insecure_channel(target, options=options)
    client = ParamstreamClient(channel=channel)
    name = "channel-options-" + uuid.uuid4().hex[:8]
    try:
        client.create_group(name, np.zeros(floats, dtype=np.float32), weight_decay=True)
        gradient = {name: np.full(floats, 1e-3, dtype=np.float32)}
        with client.push_session(max_in_flight=1) as session:

            def push():
                session.push(gradient)
                session.next_ack().check()

            def pull():
                client.pull([name])

            rate(push, warmup)
            pushes = rate(push, seconds)
            rate(pull, warmup)
            pulls = rate(pull, seconds)
        return pushes, pulls
    finally:
        client.delete_groups([name])
        channel.close()


def summary(values, baseline):
    """'median [min-max] (x ratio)' of rates, the ratio of medians to the baseline's."""
    median = statistics.median(values)
    ratio = median / statistics.median(baseline)
    return f"{median:.1f} [{min(values):.1f}-{max(values):.1f}] (x{ratio:.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", required=True, help="the server, host:port")
    parser.add_argument(
        "--sizes", default="65536,1048576,16777216", help="floats per group, comma-separated"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per size")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each measure")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds measured per rate")
    parser.add_argument(
        "--server-warmup",
        type=float,
        default=10.0,
        help="seconds of unmeasured pushes and pulls per size first: the server speeds up for"
        " several seconds as it compiles its path for a new size",
    )
    parser.add_argument(
        "--sets", default=",".join(OPTION_SETS), help="option sets to compare, comma-separated"
    )
    args = parser.parse_args()
    sets = args.sets.split(",")
    unknown = [s for s in sets if s not in OPTION_SETS]
    if unknown:
        parser.error(f"unknown option sets {unknown}; known: {list(OPTION_SETS)}")
    if "defaults" not in sets:
        sets.insert(0, "defaults")

    print("| floats | options | pushes/s, median [min-max] (x defaults) | pulls/s |")
    print("|---|---|---|---|")
    for floats in (int(s) for s in args.sizes.split(",")):
        measure(args.target, [], floats, 0, args.server_warmup / 2)
        results = {s: ([], []) for s in sets}
        for round_ in range(args.rounds):
            # Rotate the order each round, so no set always runs first or last.
            order = sets[round_ % len(sets) :] + sets[: round_ % len(sets)]
            for s in order:
                pushes, pulls = measure(
                    args.target, OPTION_SETS[s], floats, args.warmup, args.seconds
                )
                results[s][0].append(pushes)
                results[s][1].append(pulls)
                print(f"# {floats} floats, {s}: {pushes:.1f} pushes/s, {pulls:.1f} pulls/s",
                      file=sys.stderr, flush=True)
        push_base, pull_base = results["defaults"]
        for s in sets:
            pushes, pulls = results[s]
            print(
                f"| {floats} | {s} | {summary(pushes, push_base)} | {summary(pulls, pull_base)} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
