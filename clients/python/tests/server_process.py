"""Starts the real Java server jar as a subprocess for the end-to-end tests."""

import os
import queue
import re
import shutil
import subprocess
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
_LISTENING = re.compile(r"paramstream server listening on (\S+):(\d+)")


def server_jar():
    """PARAMSTREAM_SERVER_JAR, or the shaded jar the server module builds."""
    configured = os.environ.get("PARAMSTREAM_SERVER_JAR")
    if configured:
        jar = Path(configured)
    else:
        built = sorted((REPO_ROOT / "server" / "target").glob("paramstream-server-*-all.jar"))
        jar = built[-1] if built else REPO_ROOT / "server/target/paramstream-server-*-all.jar"
    if not jar.is_file():
        raise RuntimeError(
            f"server jar not found at {jar}; build it with "
            "./mvnw -B -q -DskipTests -pl server -am package, or set PARAMSTREAM_SERVER_JAR"
        )
    return jar


def java():
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise RuntimeError("java not found: set JAVA_HOME or put a JDK 17+ on PATH")
    return found


class ServerProcess:
    """`java -jar server.jar --port 0 ARGS`; `target` is host:port once the port is bound."""

    def __init__(self, *args, startup_timeout=60):
        self.output = []
        self._lines = queue.Queue()
        self._process = subprocess.Popen(
            [java(), "-jar", str(server_jar()), "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Keep draining the output so the server never blocks on a full pipe.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.target = self._await_listening(startup_timeout)

    def _read(self):
        for line in self._process.stdout:
            self.output.append(line.rstrip("\n"))
            self._lines.put(line)
        self._lines.put(None)

    def _await_listening(self, timeout):
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                self.close()
                raise RuntimeError(f"server did not start within {timeout}s: {self.output}")
            if line is None:
                raise RuntimeError(f"server exited before listening: {self.output}")
            match = _LISTENING.search(line)
            if match:
                return f"{match.group(1)}:{match.group(2)}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._reader.is_alive():
            self._reader.join(timeout=5)
        self._process.stdout.close()
