#!/usr/bin/env bash
# Reproduces the README's screenshots of a real run, in src/site/resources/:
#   dashboard-under-load.png  the live dashboard (/ of the metrics port) while the simulator loads
#                             the server, after the page has watched it for WATCH_SECONDS
#   simulator-report.png      the simulator's HTML report of that run, the whole page
# It starts the server jar on free loopback ports, runs the simulator jar against it (2 workers,
# closed loop with one operation in flight each: push+pull of 4 groups of 16K floats; 5 s warm-up
# + 40 s measured), and
# drives Debian's headless chromium with Debian's python3-selenium (installed if missing, like
# .ci/install-browser.sh does for the browser test). About a minute; the jars are built first
# when missing.
#
# Usage: src/site/screenshots.sh        (WATCH_SECONDS=35 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=src/site/resources
watch=${WATCH_SECONDS:-35}
server_jar=server/target/paramstream-server-0.1.0-SNAPSHOT-all.jar
simulator_jar=simulator/target/paramstream-simulator-0.1.0-SNAPSHOT-all.jar

bash .ci/install-debian-packages.sh chromium chromium-driver python3-selenium
if [[ ! -f $server_jar || ! -f $simulator_jar ]]; then
  ./mvnw -B -q -pl server,simulator -am package -DskipTests
fi

work=$(mktemp -d)
server_pid=
simulator_pid=
cleanup() {
  [[ -n $simulator_pid ]] && kill "$simulator_pid" 2>/dev/null || true
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
metrics_port=$(free_port)

java -Xmx512m -jar "$server_jar" --port "$port" --metrics-port "$metrics_port" \
  >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$metrics_port/" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.2
done

java -jar "$simulator_jar" --target "127.0.0.1:$port" --workers 2 --groups 4 --group-size 16384 \
  --workload push-pull --mode closed --in-flight 1 --warmup PT5S --duration PT40S --quiet \
  --report-html "$work/report.html" >"$work/simulator.log" 2>&1 &
simulator_pid=$!

/usr/bin/python3 - "http://127.0.0.1:$metrics_port/" "$watch" "$work/report.html" "$out" <<'EOF'
import base64
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

url, watch, report, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--window-size=1400,1000", "--lang=en-US"):
    options.add_argument(arg)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    browser.get(url)
    time.sleep(watch)  # the page keeps its own history: let the charts fill
    rows = browser.execute_script("return document.querySelectorAll('tbody tr').length")
    browser.save_screenshot(os.path.join(out, "dashboard-under-load.png"))
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    print(f"dashboard: {rows} table rows, {len(errors)} console errors")
    if errors or rows == 0:
        sys.exit(f"dashboard not as expected: {errors}")
    for _ in range(120):  # the report is written when the simulator ends
        if os.path.exists(report):
            break
        time.sleep(1)
    time.sleep(1)
    browser.set_window_size(900, 1000)
    browser.get("file://" + report)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    # The whole page, beyond the window's height.
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": 900, "height": height, "scale": 1}})
    with open(os.path.join(out, "simulator-report.png"), "wb") as png:
        png.write(base64.b64decode(shot["data"]))
    print(f"report: {height} px high")
finally:
    browser.quit()
EOF
status=0
wait "$simulator_pid" || status=$?
simulator_pid=
tail -n 12 "$work/simulator.log"
if ((status != 0)); then
  echo "the simulator exited with $status (errors above)" >&2
  exit 1
fi
echo "written: $out/dashboard-under-load.png $out/simulator-report.png"
