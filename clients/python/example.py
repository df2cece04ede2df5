"""The three reference examples (lr 0.1, weight_decay 0.01) with the Python client.

Start a server, then run from the repository root:

    java -jar server/target/paramstream-server-0.1.0-SNAPSHOT-all.jar &
    /usr/bin/python3 clients/python/example.py [host:port]
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from paramstream import ParamstreamClient, ParamstreamError  # noqa: E402

# (initial values, gradients, decay flags) -> expected values, one group per list entry.
EXAMPLES = [
    ([[1.0, 2.0]], [[0.1, 0.2]], [True], [[0.989, 1.978]]),
    ([[1.0, 2.0], [0.5]], [[0.1, 0.2], [0.05]], [True, False], [[0.989, 1.978], [0.495]]),
    ([[1.0, 2.0, 3.0]], [[0.1, 0.2, 0.3]], [False], [[0.99, 1.98, 2.97]]),
]


def main(target):
    with ParamstreamClient(target, timeout=30) as client:
        for number, (initial, grads, flags, expected) in enumerate(EXAMPLES, start=1):
            names = [f"example{number}/group{i}" for i in range(len(initial))]
            for name, values, decay in zip(names, initial, flags):
                client.create_group(name, values, decay, lr=0.1, weight_decay_coef=0.01)
            try:
                # One push carries every group's gradient and is applied atomically.
                versions = client.push(dict(zip(names, grads)))
                pulled = client.pull(names)
                for name, want in zip(names, expected):
                    got = pulled[name]
                    print(f"example {number}: {name} v{got.version} = {got.values.tolist()}")
                    assert versions[name] == got.version == 1
                    np.testing.assert_allclose(got.values, want, rtol=0, atol=1e-6)
            finally:
                client.delete_groups(names)

        # A bad push is rejected whole with a gRPC status code name, and changes nothing.
        client.create_group("example/bad", [1.0, 2.0], True, lr=0.1, weight_decay_coef=0.01)
        try:
            client.push({"example/bad": [float("nan"), 0.0]})
        except ParamstreamError as e:
            print(f"bad push rejected: {e.code}: {e.message}")
        else:
            raise AssertionError("a push with NaN was accepted")
        finally:
            client.delete_groups(["example/bad"])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051")
