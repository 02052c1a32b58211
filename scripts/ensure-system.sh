#!/usr/bin/env bash
# Install the Debian packages in scripts/system-packages.txt (runtime) and, unless
# --runtime is given, scripts/system-packages-dev.txt (tests, benchmarks, demo).
# As root: apt-get installs what is missing. Otherwise: print the exact apt line and stop.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lists=("$here/system-packages.txt")
[ "${1:-}" = "--runtime" ] || lists+=("$here/system-packages-dev.txt")
mapfile -t wanted < <(cat "${lists[@]}" | grep -Ev '^\s*(#|$)')
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "These system packages are missing. Install them, then run make again:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
