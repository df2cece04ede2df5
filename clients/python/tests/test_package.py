"""`pip install clients/python` works the way the README says: into a venv over Debian's
grpcio/protobuf/numpy, with no generate step, and the installed package talks to a server from
a directory outside the source tree."""

import os
import subprocess
import tempfile
import unittest
from pathlib import Path

from server_process import ServerProcess

PACKAGE_DIR = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
import paramstream
from paramstream import ParamstreamClient
print("imported from", paramstream.__file__)
with ParamstreamClient(sys.argv[1]) as client:
    client.create_group("pkg/w", [1.0, 2.0], True, lr=0.1, weight_decay_coef=0.01)
    client.push({"pkg/w": [0.1, 0.2]})
    w = client.pull(["pkg/w"])["pkg/w"]
    print("w version %d: %.3f %.3f" % (w.version, w.values[0], w.values[1]))
"""


class PipInstallTest(unittest.TestCase):
    def run_logged(self, log, *command, cwd):
        """Runs a command with its output appended to `log`; fails with that output."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        run = subprocess.run(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, timeout=180,
        )
        with open(log, "a") as out:
            out.write(f"$ {' '.join(map(str, command))}\n{run.stdout}\n")
        self.assertEqual(run.returncode, 0, f"{command} failed:\n{run.stdout}")
        return run.stdout

    def test_pipInstall_inVenvOverDebianPackages_runsOutsideTheSourceTree(self):
        with tempfile.TemporaryDirectory() as work:
            work = Path(work)
            log = work / "install.log"
            venv = work / "venv"
            self.run_logged(
                log, "/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv),
                cwd=work,
            )
            python = venv / "bin" / "python"
            self.run_logged(
                log, python, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                "--no-index", str(PACKAGE_DIR), cwd=work,
            )
            (work / "script.py").write_text(SCRIPT)
            with ServerProcess() as server:
                out = self.run_logged(log, python, "script.py", server.target, cwd=work)
        self.assertIn(f"imported from {venv}", out)
        self.assertIn("w version 1: 0.989 1.978", out)


if __name__ == "__main__":
    unittest.main()
