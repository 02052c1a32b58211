#!/usr/bin/env bash
# Build linkage-kiosk_<version>_<arch>.deb (`make deb`).
#
#   packaging/build-deb.sh [--out DIR] [--version V] [--fault selfcheck]
#
# The version is pyproject.toml's (the one kiosk_build_info shows through
# kiosk/appliance/version.py). --version builds another version from the same tree (tests,
# the fleet demo): it is written into the build copy's pyproject.toml, so the package, the
# venv's metadata and kiosk_build_info still agree. --fault selfcheck builds a release whose
# self-check fails (the demo's bad v3; never for a fleet).
# The build runs in a copy of the committed and working-tree files, never in the checkout.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
out="$src/dist"
version=""
fault=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?}; shift ;;
    --version) version=${2:?}; shift ;;
    --fault) fault=${2:?}; shift ;;
    *) echo "build-deb.sh: unknown option $1" >&2; exit 64 ;;
  esac
  shift
done
[ -n "$version" ] || version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$src/pyproject.toml" | head -1)
case "$version" in
  [0-9]*) ;;
  *) echo "build-deb.sh: bad version '$version'" >&2; exit 64 ;;
esac
case "$fault" in ""|selfcheck) ;; *) echo "build-deb.sh: unknown fault $fault" >&2; exit 64 ;; esac

work=$(mktemp -d /tmp/linkage-kiosk-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
tree="$work/linkage-kiosk-$version"
mkdir -p "$tree" "$out"
# Exactly the files git knows (tracked or new, not ignored): no .venv, .state or dist.
(cd "$src" && git ls-files -z --cached --others --exclude-standard) \
  | (cd "$src" && xargs -0 cp --parents -t "$tree" 2>/dev/null || true)
sed -i "s/^version = \".*\"$/version = \"$version\"/" "$tree/pyproject.toml"
if [ "$fault" = selfcheck ]; then
  # A release that fails the way a real regression would: the kiosk's entry points die at
  # start (the UI and `python -m kiosk ...`); the updater (kiosk.fleet) still runs.
  # (At the top of the modules: a line after `sys.exit(main())` would never run.)
  for f in kiosk/__main__.py kiosk/appliance/__main__.py; do
    grep -q '^from __future__ import annotations$' "$tree/$f"
    sed -i '/^from __future__ import annotations$/a raise SystemExit("fault injected at build time: this release cannot start")' \
      "$tree/$f"
  done
fi
# The changelog (dpkg's version) is written from the same version: one source, no drift.
stamp=$(cd "$src" && git log -1 --format=%cD 2>/dev/null || date -R)
cat > "$tree/debian/changelog" <<CHANGELOG
linkage-kiosk ($version) bookworm; urgency=medium

  * Release $version of the Linkage Kiosk (see the git history).

 -- Linkage Kiosk team <kiosk-team@linkage.invalid>  $stamp
CHANGELOG
(cd "$tree" && dpkg-buildpackage -b -us -uc --no-pre-clean >"$work/build.log" 2>&1) || {
  tail -40 "$work/build.log" >&2; echo "build-deb.sh: dpkg-buildpackage failed" >&2; exit 1; }
arch=$(dpkg --print-architecture)
deb="linkage-kiosk_${version}_${arch}.deb"
mv "$work/$deb" "$out/$deb"
echo "$out/$deb"
