#!/usr/bin/env bash
# Build (once) the Debian 12 root the systemd container tests boot, and print its path.
#
#   scripts/make-container-root.sh [PACKAGE_LIST]   (root; default tests/appliance/container/root-packages.txt)
#
# The root is cached under $ROOTS_DIR (default /var/cache/linkage-kiosk/roots/) keyed by a
# hash of the package list, so it is built once per list (mmdebstrap, from the Debian
# mirror in /etc/apt/sources.list.d). A build goes to a temporary folder renamed into place
# only when complete: an interrupted build never leaves a root that looks ready.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
list=${1:-$src/tests/appliance/container/root-packages.txt}
ROOTS_DIR=${ROOTS_DIR:-/var/cache/linkage-kiosk/roots}
for tool in mmdebstrap sha256sum; do
  command -v "$tool" >/dev/null || { echo "make-container-root: $tool is missing (apt-get install mmdebstrap)" >&2; exit 69; }
done
pkgs=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list" | sort -u | paste -sd, -)
key=$( { echo "bookworm"; echo "$pkgs"; } | sha256sum | cut -c1-16)
root=$ROOTS_DIR/bookworm-$key
if [ -e "$root/.complete" ]; then echo "$root"; exit 0; fi
mkdir -p "$ROOTS_DIR"
tmp=$(mktemp -d "$ROOTS_DIR/.build-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mmdebstrap --variant=minbase --include="$pkgs" bookworm "$tmp/root" >&2
# A machine id is made on first boot; an empty file lets systemd do so on a read-only base.
: > "$tmp/root/etc/machine-id"
echo "$pkgs" > "$tmp/root/.packages"
touch "$tmp/root/.complete"
rm -rf "$root"
mv "$tmp/root" "$root"
echo "$root"
