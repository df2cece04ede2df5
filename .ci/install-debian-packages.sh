#!/usr/bin/env bash
# Installs the Debian packages given that are not installed yet; a no-op when all are. Options
# before the package names go to apt-get install (e.g. --no-install-recommends).
set -euo pipefail

options=()
while [[ $# -gt 0 && $1 == -* ]]; do
  options+=("$1")
  shift
done
SUDO=()
[[ $(id -u) -ne 0 ]] && SUDO=(sudo)
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  # Other jobs on the machine may hold the dpkg lock: wait for it instead of failing.
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y "${options[@]}" "${missing[@]}"
fi
