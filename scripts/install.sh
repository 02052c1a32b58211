#!/usr/bin/env bash
# Install the Linkage Kiosk as an appliance (run as root; `make install` calls this).
#
#   scripts/install.sh [--production | --demo] [--prefix DIR] [--no-enable] [--skip-venv]
#                      [--dry-run] [--reader-conf-dir DIR]
#
# - PREFIX (default /opt/linkage-kiosk) gets its own venv with the kiosk installed in it.
# - Creates the system user/group linkage-kiosk, the state dir /var/lib/linkage-kiosk (0700)
#   and /etc/linkage-kiosk (config copied from the example if absent, never overwritten).
# - Installs the systemd units and the printer udev rules, reloads, enables the units.
# - --production (the default) refuses to install while pcscd has a vpcd virtual reader
#   configured: vpcd listens on all interfaces, so anyone on the network could insert a
#   card. --demo allows it, writes a demo config and enables the reference Linkage server.
# - DESTDIR=/some/root installs the files below that root (packaging, tests) and skips
#   everything that changes the running system (users, chown, systemctl, udevadm).
# - --dry-run prints what would be done and changes nothing.
# - Checks every tool it needs before it changes anything (exit 69, naming the missing
#   ones), and never leaves a half install: if a step fails, every file and folder this
#   run created is removed again (a user it created stays; what existed is never touched).
set -Eeuo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=/opt/linkage-kiosk
CONFDIR=/etc/linkage-kiosk
STATEDIR=/var/lib/linkage-kiosk
SERVER_STATEDIR=/var/lib/linkage-reference-server
UNITDIR=/etc/systemd/system
UDEVDIR=/etc/udev/rules.d
READER_CONF_DIR=/etc/reader.conf.d
KIOSK_USER=linkage-kiosk
MODE=production
ENABLE=1
SKIP_VENV=0
DRY_RUN=0
DESTDIR=${DESTDIR:-}
READER_CONF_OVERRIDDEN=0

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --production) MODE=production ;;
    --demo) MODE=demo ;;
    --prefix) PREFIX=${2:?--prefix needs a directory}; shift ;;
    --prefix=*) PREFIX=${1#*=} ;;
    --no-enable) ENABLE=0 ;;
    --skip-venv) SKIP_VENV=1 ;;
    --dry-run) DRY_RUN=1 ;;
    --reader-conf-dir) READER_CONF_DIR=${2:?}; READER_CONF_OVERRIDDEN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done

case "$PREFIX" in /*) ;; *) echo "install.sh: --prefix must be absolute" >&2; exit 64 ;; esac
# PREFIX goes into sed replacements and unit files: letters, digits and / . _ - only,
# no "..", and not the root itself.
case "$PREFIX" in
  *[!A-Za-z0-9/._-]*|*..*|/)
    echo "install.sh: --prefix must be an absolute path of letters, digits and / . _ - (got: $PREFIX)" >&2
    exit 64 ;;
esac
live_system=1
[ -n "$DESTDIR" ] && live_system=0
if [ "$live_system" = 1 ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (or set DESTDIR for a staged install, or --dry-run)" >&2
  exit 77
fi

say() { echo "install: $*"; }
run() {
  if [ "$DRY_RUN" = 1 ]; then echo "+ $*"; else "$@"; fi
}

# --- 0. every tool this install will call, before anything changes ------------------------
need=(python3 sed install mktemp)
[ "$SKIP_VENV" = 1 ] || need+=(pip-via-venv)
[ "$live_system" = 1 ] && need+=(getent useradd groupadd chown systemctl udevadm)
# The demo's spoken guidance: the espeak-ng stand-in prompt pack is built at install time,
# as the kiosk user (a blind citizen needs it; a recorded pack replaces it in production).
[ "$MODE" = demo ] && [ "$live_system" = 1 ] && need+=(espeak-ng runuser)
missing=()
for tool in "${need[@]}"; do
  case "$tool" in
    pip-via-venv)  # python3 -m venv needs Debian's python3-venv (ensurepip)
      python3 -m ensurepip --version >/dev/null 2>&1 || missing+=("python3-venv (python3 -m venv)") ;;
    *) command -v "$tool" >/dev/null 2>&1 || missing+=("$tool") ;;
  esac
done
if [ ${#missing[@]} -gt 0 ] && [ "$DRY_RUN" = 1 ]; then
  echo "install.sh: (dry run) missing tools: ${missing[*]}; a real install would stop here" >&2
elif [ ${#missing[@]} -gt 0 ]; then
  echo "install.sh: missing tools, nothing was changed: ${missing[*]}" >&2
  echo "  (Debian: apt-get install systemd udev passwd python3-venv coreutils sed espeak-ng)" >&2
  exit 69
fi

# --- never a half install: what this run creates is removed again if a step fails ---------
created=()
track() {  # track PATH...: remember paths that do not exist yet (they are ours to undo),
  local p       # by their topmost missing folder (install -D and mkdir -p make the parents)
  for p in "$@"; do
    [ -e "$p" ] || [ -L "$p" ] && continue
    while [ "$(dirname "$p")" != "$p" ] && [ ! -e "$(dirname "$p")" ]; do p=$(dirname "$p"); done
    created+=("$p")
  done
}
rollback() {
  local code=$? i
  trap - ERR
  [ "$DRY_RUN" = 1 ] && exit "$code"
  echo "install.sh: a step failed (exit $code); removing the ${#created[@]} path(s) this run created" >&2
  for (( i=${#created[@]}-1; i>=0; i-- )); do
    rm -rf -- "${created[$i]}" 2>/dev/null || echo "  could not remove ${created[$i]}" >&2
  done
  if [ "${units_placed:-0}" = 1 ] && [ "$live_system" = 1 ]; then
    systemctl daemon-reload 2>/dev/null || true
  fi
  exit "$code"
}
trap rollback ERR
# Only on the live system: users, ownership, systemctl, udevadm.
live() {
  if [ "$live_system" = 1 ]; then run "$@"; else echo "(staged, skipped) $*"; fi
}

# --- 1. refuse a production install next to a network-reachable virtual card reader --------
# Same check as the maintenance health view (kiosk/maintenance/vpcd.py, stdlib only).
vpcd_check() {
  local args=(--conf-dir "$READER_CONF_DIR")
  # A test pointing at its own folder must not see this machine's pcscd or ports.
  [ "$READER_CONF_OVERRIDDEN" = 1 ] && args+=(--config-only)
  PYTHONPATH="$src" python3 -m kiosk.maintenance.vpcd "${args[@]}"
}
if ! findings=$(vpcd_check); then
  if [ "$MODE" = production ]; then
    echo "install.sh: REFUSING production install: a vpcd virtual card reader is configured" >&2
    echo "$findings" | sed 's/^/  /' >&2
    echo "  vpcd listens on all network interfaces: anyone on the network could insert a" >&2
    echo "  virtual card. Remove it (apt-get purge vsmartcard-vpcd, or delete the" >&2
    echo "  reader.conf.d entry and restart pcscd), then run the install again." >&2
    exit 3
  fi
  say "demo install: vpcd virtual reader present (fine for a demo, never in production)"
fi

D() { echo "$DESTDIR$1"; }
render() {  # render SRC DEST: fill in the install paths
  track "$(dirname "$2")" "$2"
  run install -D -m 0644 /dev/null "$2"
  if [ "$DRY_RUN" = 1 ]; then echo "+ render $1 > $2"; return; fi
  sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@CONFDIR@|$CONFDIR|g" \
      -e "s|@STATEDIR@|$STATEDIR|g" -e "s|@SERVER_STATEDIR@|$SERVER_STATEDIR|g" \
      "$1" > "$2"
}

# --- 2. user, group and directories ------------------------------------------------------
say "user and group $KIOSK_USER"
if [ "$live_system" = 1 ] && ! getent passwd "$KIOSK_USER" >/dev/null; then
  run useradd --system --user-group --home-dir "$STATEDIR" --no-create-home \
      --shell /usr/sbin/nologin --comment "Linkage Kiosk" "$KIOSK_USER"
fi
# The units name these groups (GPU, touch, sound, printer ports); systemd refuses to start
# a unit whose supplementary group does not exist.
for g in video render input audio dialout lp; do
  if [ "$live_system" = 1 ] && ! getent group "$g" >/dev/null; then run groupadd --system "$g"; fi
done

say "directories"
track "$(D "$PREFIX")" "$(D "$PREFIX")/docs" "$(D "$PREFIX")/share" "$(D "$CONFDIR")" \
      "$(D "$CONFDIR")/pki" "$(D "$STATEDIR")"
run install -d -m 0755 "$(D "$PREFIX")" "$(D "$PREFIX")/docs" "$(D "$CONFDIR")"
# Keys and the PIN hash: owned by the kiosk user, mode 0600 in a 0700 folder. The service
# still cannot change them (ProtectSystem=strict makes /etc read-only for it).
run install -d -m 0700 "$(D "$CONFDIR")/pki" "$(D "$STATEDIR")"
live chown "$KIOSK_USER:$KIOSK_USER" "$(D "$STATEDIR")" "$(D "$CONFDIR")/pki"
if [ "$MODE" = demo ]; then
  track "$(D "$SERVER_STATEDIR")"
  run install -d -m 0700 "$(D "$SERVER_STATEDIR")"
  live chown "$KIOSK_USER:$KIOSK_USER" "$(D "$SERVER_STATEDIR")"
fi

# --- 3. the software in its own venv ------------------------------------------------------
if [ "$SKIP_VENV" = 1 ]; then
  say "venv skipped (--skip-venv)"
else
  say "venv in $PREFIX/venv"
  track "$(D "$PREFIX")/venv"
  run python3 -m venv "$(D "$PREFIX")/venv"
  run "$(D "$PREFIX")/venv/bin/python" -m pip install --quiet --upgrade pip
  run "$(D "$PREFIX")/venv/bin/python" -m pip install --quiet "$src"
fi
track "$(D "$PREFIX")/docs/appliance.md"
run install -m 0644 "$src/docs/appliance.md" "$(D "$PREFIX")/docs/appliance.md"

# --- 4. configuration (never overwrite what a technician has edited) -----------------------
install_config() {  # install_config SRC DEST MODE
  if [ -e "$2" ]; then say "keeping existing $2"; return; fi
  track "$2"
  run install -m "$3" "$1" "$2"
  live chown "root:$KIOSK_USER" "$2"
}
install_config "$src/config/printer-profiles.toml" "$(D "$CONFDIR")/printer-profiles.toml" 0644
install_config "$src/config/services.toml" "$(D "$CONFDIR")/services.toml" 0644
if [ "$MODE" = production ]; then
  install_config "$src/config/kiosk.production.example.toml" "$(D "$CONFDIR")/kiosk.toml" 0640
else
  # The files the reference server opens; its unit names them (LINKAGE_*_FILE).
  track "$(D "$PREFIX")/share/seeds" "$(D "$PREFIX")/share/linkage-api.yaml"
  run install -D -m 0644 "$src/seeds/citizens.json" "$(D "$PREFIX")/share/seeds/citizens.json"
  run install -D -m 0644 "$src/docs/linkage-api.yaml" "$(D "$PREFIX")/share/linkage-api.yaml"
  demo_config=$(mktemp)
  trap 'rm -f "$demo_config"' EXIT
  # The embedded demo config, pointed at the installed paths and at the reference server
  # unit (not an in-process server). On first start the kiosk creates the demo PKI in its
  # state dir (ensure_demo_pki) and registers its device key with that server.
  sed -e "s|\"\\.\\./\\.state|\"$STATEDIR|" \
      -e "s|\"\\.\\./seeds/|\"$PREFIX/share/seeds/|" \
      -e "s|^profiles_file = .*|profiles_file = \"$CONFDIR/printer-profiles.toml\"|" \
      -e "s|^embedded_server = true|embedded_server = false|" \
      -e "s|^fullscreen = false|fullscreen = true|" \
      -e "s|^demo_panel = true|demo_panel = false|" \
      "$src/config/kiosk.toml" > "$demo_config"
  install_config "$demo_config" "$(D "$CONFDIR")/kiosk.toml" 0640
fi

# --- 4b. demo: the stand-in prompt pack in the state dir, so speech works from the first
# citizen on (the UI would build it at its first start too, but health would say FAIL
# audio until then, and a UI started without espeak-ng would stay silent).
if [ "$MODE" = demo ] && [ "$SKIP_VENV" = 0 ]; then
  say "spoken guidance: the espeak-ng stand-in prompt pack in $STATEDIR/prompts"
  track "$(D "$STATEDIR")/prompts"
  if [ "$live_system" = 1 ]; then
    run runuser -u "$KIOSK_USER" -- "$PREFIX/venv/bin/python" -m kiosk \
        --config "$CONFDIR/kiosk.toml" prompts build
  else
    echo "(staged, skipped) prompts build: the UI builds the pack at its first start"
  fi
fi

# --- 5. systemd units and udev rules -------------------------------------------------------
units=(linkage-kiosk.service linkage-kiosk-outbox.service)
[ "$MODE" = demo ] && units+=(linkage-reference-server.service)
say "units: ${units[*]} (+ linkage-kiosk-recover@.service)"
units_placed=1
for u in "${units[@]}" linkage-kiosk-recover@.service; do
  render "$src/systemd/$u" "$(D "$UNITDIR")/$u"
done
track "$(D "$UDEVDIR")" "$(D "$UDEVDIR")/99-linkage-kiosk-printer.rules"
run install -D -m 0644 "$src/systemd/99-linkage-kiosk-printer.rules" \
    "$(D "$UDEVDIR")/99-linkage-kiosk-printer.rules"
# No udev daemon (a container, a chroot): the rules apply at the next boot with udev.
if [ "$live_system" = 1 ] && [ "$DRY_RUN" = 0 ] && ! udevadm control --ping >/dev/null 2>&1; then
  say "udev is not running here: printer rules installed, applied when udev runs"
else
  live udevadm control --reload
  live udevadm trigger --subsystem-match=usb --subsystem-match=usbmisc --subsystem-match=tty
fi
live systemctl daemon-reload
if [ "$ENABLE" = 1 ]; then
  live systemctl enable "${units[@]}"
fi

say "done ($MODE). Next: set the technician PIN with"
say "  $PREFIX/venv/bin/python -m kiosk --config $CONFDIR/kiosk.toml set-pin"
[ "$MODE" = production ] && say "  and put the kiosk's keys and certificates in $CONFDIR/pki (mode 0600)."
say "Start with: systemctl start ${units[*]}"
