#!/usr/bin/env bash
# Installs Debian's chromium and its chromedriver for end-to-end-tests/DashboardBrowserTest, which
# drives the server's live dashboard in a real headless browser. Idempotent. No browser is
# downloaded by Selenium: the test uses /usr/bin/chromium and /usr/bin/chromedriver.
set -euo pipefail

bash "$(dirname "$0")/install-debian-packages.sh" chromium chromium-driver
echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null), $(/usr/bin/chromedriver --version | cut -d' ' -f1-2)"
