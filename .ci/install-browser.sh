#!/usr/bin/env bash
# Installs Debian's chromium and its chromedriver for end-to-end-tests/DashboardBrowserTest, which
# drives the server's live dashboard in a real headless browser. Idempotent. No browser is
# downloaded by Selenium: the test uses /usr/bin/chromium and /usr/bin/chromedriver.
set -euo pipefail

PACKAGES=(chromium chromium-driver)
SUDO=()
[[ $(id -u) -ne 0 ]] && SUDO=(sudo)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  # Other jobs on the machine may hold the dpkg lock: wait for it instead of failing.
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y "${missing[@]}"
fi
echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null), $(/usr/bin/chromedriver --version | cut -d' ' -f1-2)"
