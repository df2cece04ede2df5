"""The channel-options measurement (examples/channel_options.py) against a real server."""

import subprocess
import sys
import unittest
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from server_process import ServerProcess  # noqa: E402

SCRIPT = TESTS.parent / "examples" / "channel_options.py"


class ChannelOptionsTest(unittest.TestCase):
    def test_everyOptionSet_pushesAndPullsThroughItsOwnChannel(self):
        with ServerProcess() as server:
            run = subprocess.run(
                [sys.executable, str(SCRIPT), "--target", server.target, "--sizes", "1024",
                 "--rounds", "2", "--warmup", "0", "--seconds", "0.1", "--server-warmup", "0.2"],
                capture_output=True, text=True, timeout=120,
            )
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        rows = [line.split("|")[1:-1] for line in run.stdout.splitlines()[2:]]
        self.assertEqual(
            [row[1].strip() for row in rows],
            ["defaults", "max message 64 MiB", "max frame 1 MiB", "window 8 MiB", "no BDP probe",
             "frame 1 MiB + window 8 MiB"],
        )
        for row in rows:
            pushes, pulls = (float(cell.split()[0]) for cell in row[2:4])
            self.assertGreater(pushes, 0, row)
            self.assertGreater(pulls, 0, row)
        # Each set's ratio is to the defaults measured in the same rounds.
        self.assertIn("(x1.00)", rows[0][2])

    def test_unknownOptionSet_isRefusedNamingIt(self):
        run = subprocess.run(
            [sys.executable, str(SCRIPT), "--target", "127.0.0.1:1", "--sets", "defaults,turbo"],
            capture_output=True, text=True, timeout=60,
        )
        self.assertEqual(run.returncode, 2)
        self.assertIn("turbo", run.stderr)


if __name__ == "__main__":
    unittest.main()
