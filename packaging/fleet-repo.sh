#!/usr/bin/env bash
# The fleet's signed apt repository (aptly), for tests, the demo and a small fleet.
#
#   packaging/fleet-repo.sh DIR key [NAME]        make the fleet signing key (once)
#   packaging/fleet-repo.sh DIR publish DEB...    add packages to canary and (re)publish
#   packaging/fleet-repo.sh DIR promote VERSION FROM TO   e.g. 0.2.0 canary stable
#   packaging/fleet-repo.sh DIR serve PORT        serve DIR/public on 127.0.0.1:PORT
#
# DIR/gnupg holds the private key (0700, never committed, never on a kiosk); a kiosk gets
# only DIR/fleet-keyring.gpg and trusts it through signed-by=. Three distributions, each
# its own aptly repo published at DIR/public/dists/<ring>: canary, stable, hold.
set -euo pipefail

dir=${1:?usage: fleet-repo.sh DIR key|publish|promote|serve ...}
cmd=${2:?}
shift 2
RINGS=(canary stable hold)
export GNUPGHOME="$dir/gnupg"
conf="$dir/aptly.conf"

aptly_() { aptly -config="$conf" "$@"; }
keyid() { gpg --batch --list-secret-keys --with-colons | awk -F: '$1=="fpr"{print $10; exit}'; }
publish_ring() {  # publish_ring RING: first publish or update, signed with the fleet key
  local ring=$1
  local published
  published=$(aptly_ publish list -raw)  # not piped into grep -q: pipefail + SIGPIPE races
  if printf '%s\n' "$published" | grep -qx ". $ring"; then
    aptly_ publish update -batch -gpg-key="$(keyid)" "$ring" >/dev/null
  else
    aptly_ publish repo -batch -gpg-key="$(keyid)" -distribution="$ring" -component=main \
      -architectures=amd64,arm64 "$ring" >/dev/null
  fi
}

case "$cmd" in
  key)
    name=${1:-Linkage Kiosk fleet}
    install -d -m 0755 "$dir"
    install -d -m 0700 "$GNUPGHOME"
    if [ -z "$(keyid)" ]; then
      gpg --batch --quiet --passphrase '' --quick-gen-key "$name <fleet@linkage.invalid>" \
        ed25519 sign 2y
    fi
    gpg --batch --export "$(keyid)" > "$dir/fleet-keyring.gpg"
    chmod 0644 "$dir/fleet-keyring.gpg"
    chmod -R go-rwx "$GNUPGHOME"
    printf '{"rootDir": "%s", "gpgProvider": "gpg2", "architectures": ["amd64", "arm64"]}\n' \
      "$dir/aptly" > "$conf"
    for ring in "${RINGS[@]}"; do
      aptly_ repo show "$ring" >/dev/null 2>&1 || aptly_ repo create "$ring" >/dev/null
    done
    echo "fleet key $(keyid) in $GNUPGHOME (private, 0700); kiosks get $dir/fleet-keyring.gpg"
    ;;
  publish)
    [ $# -gt 0 ] || { echo "publish: no .deb given" >&2; exit 64; }
    aptly_ repo add canary "$@" >/dev/null
    for ring in "${RINGS[@]}"; do publish_ring "$ring"; done
    echo "published to canary: $(basename -a "$@" | tr '\n' ' ')"
    ;;
  promote)
    version=${1:?VERSION}; from=${2:?FROM}; to=${3:?TO}
    aptly_ repo copy "$from" "$to" "linkage-kiosk (= $version)" >/dev/null
    publish_ring "$to"
    echo "promoted linkage-kiosk $version: $from -> $to"
    ;;
  serve)
    port=${1:?PORT}
    exec python3 -m http.server --bind 127.0.0.1 --directory "$dir/aptly/public" "$port"
    ;;
  *) echo "fleet-repo.sh: unknown command $cmd" >&2; exit 64 ;;
esac
