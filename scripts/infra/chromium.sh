#!/usr/bin/env bash
# Debian's Chromium for the console's browser tests (test/console/*.browser.spec.ts): installed from Debian's
# packages when missing, never downloaded from elsewhere. Prints the executable's path; fails if it cannot install.
set -euo pipefail
path="${TOUCHPOINT_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$path" ]; then
  echo "installing Debian's chromium" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y chromium >&2 || { $sudo apt-get update >&2 && $sudo apt-get install -y chromium >&2; }
fi
"$path" --version >&2
echo "$path"
