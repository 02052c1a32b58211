"""Is pcscd carrying a vpcd virtual reader? On a production kiosk that is a hole.

The vpcd driver (vsmartcard) listens on TCP on all interfaces; anyone who can reach the
port can "insert" any card they like. Two independent signs are checked:

- a reader.conf.d entry whose LIBPATH is the vpcd driver (in /etc/reader.conf.d and in any
  folder a running pcscd was started with ``-c``), with its TCP port (CHANNELID or the
  ``:0x…`` suffix of DEVICENAME; vpcd's default is 0x8C7B = 35963);
- a TCP socket in LISTEN state on such a port, or owned by a pcscd process (/proc/net/tcp).

Only the standard library: scripts/install.sh runs the same check before the venv exists.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONF_DIRS = (Path("/etc/reader.conf.d"),)
DEFAULT_PORT = 0x8C7B
_LISTEN = "0A"


@dataclass(frozen=True)
class VpcdEntry:
    path: Path
    port: int


@dataclass(frozen=True)
class VpcdFinding:
    entries: tuple[VpcdEntry, ...]
    listening_ports: tuple[int, ...]

    @property
    def present(self) -> bool:
        return bool(self.entries or self.listening_ports)


def parse_reader_conf(path: Path) -> list[VpcdEntry]:
    """vpcd entries in one reader.conf file (blocks of KEY value lines, ``#`` comments)."""
    entries: list[VpcdEntry] = []
    block: dict[str, str] = {}

    def close_block() -> None:
        if "vpcd" in Path(block.get("LIBPATH", "")).name.lower():
            entries.append(VpcdEntry(path, _port_of(block)))
        block.clear()

    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return entries
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, _, value = line.partition(" ")
        key = key.upper()
        if key in block:  # a key seen again starts the next reader's block
            close_block()
        block[key] = value.strip().strip('"')
    close_block()
    return entries


def _port_of(block: dict[str, str]) -> int:
    for text in (block.get("CHANNELID", ""), block.get("DEVICENAME", "").rpartition(":")[2]):
        try:
            return int(text, 0)
        except ValueError:
            continue
    return DEFAULT_PORT


def find_vpcd(
    conf_dirs: tuple[Path, ...] = DEFAULT_CONF_DIRS,
    *,
    proc: Path = Path("/proc"),
    include_running_pcscd: bool = True,
) -> VpcdFinding:
    dirs = list(conf_dirs)
    pcscd_pids = _pcscd_pids(proc)
    if include_running_pcscd:
        dirs += [d for pid in pcscd_pids for d in _conf_dirs_of(proc, pid)]
    entries: list[VpcdEntry] = []
    for d in dict.fromkeys(dirs):
        if d.is_dir():
            for f in sorted(d.iterdir()):
                if f.is_file():
                    entries.extend(parse_reader_conf(f))
    listening = _listening_tcp(proc)
    wanted_ports = {e.port for e in entries} | {DEFAULT_PORT}
    pcscd_inodes = {i for pid in pcscd_pids for i in _socket_inodes(proc, pid)}
    ports = sorted({port for port, inode in listening
                    if port in wanted_ports or inode in pcscd_inodes})
    return VpcdFinding(tuple(entries), tuple(ports))


def _pcscd_pids(proc: Path) -> list[str]:
    pids = []
    for entry in proc.glob("[0-9]*"):
        try:
            if (entry / "comm").read_text().strip() == "pcscd":
                pids.append(entry.name)
        except OSError:
            continue
    return pids


def _conf_dirs_of(proc: Path, pid: str) -> list[Path]:
    try:
        argv = (proc / pid / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return []
    args = [a.decode(errors="replace") for a in argv if a]
    dirs = []
    for i, arg in enumerate(args):
        if arg in ("-c", "--config") and i + 1 < len(args):
            dirs.append(Path(args[i + 1]))
        elif arg.startswith("--config="):
            dirs.append(Path(arg.split("=", 1)[1]))
    return dirs


_SOCKET_LINK = re.compile(r"socket:\[(\d+)\]")


def _socket_inodes(proc: Path, pid: str) -> set[str]:
    inodes = set()
    try:
        for fd in (proc / pid / "fd").iterdir():
            match = _SOCKET_LINK.fullmatch(os.readlink(fd))
            if match:
                inodes.add(match.group(1))
    except OSError:  # not our process and we are not root: fall back to the port numbers
        pass
    return inodes


def _listening_tcp(proc: Path) -> list[tuple[int, str]]:
    found = []
    for name in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) > 9 and cols[3] == _LISTEN:
                found.append((int(cols[1].rpartition(":")[2], 16), cols[9]))
    return found


def main(argv: list[str] | None = None) -> int:
    """``python -m kiosk.maintenance.vpcd``: exit 1 and say why if a vpcd reader is present."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kiosk.maintenance.vpcd")
    parser.add_argument("--conf-dir", action="append", type=Path,
                        help="reader.conf.d folder to scan (default /etc/reader.conf.d)")
    parser.add_argument("--config-only", action="store_true",
                        help="only scan the folders; ignore running pcscd and open ports")
    args = parser.parse_args(argv)
    dirs = tuple(args.conf_dir or DEFAULT_CONF_DIRS)
    if args.config_only:
        found = VpcdFinding(tuple(e for d in dirs if d.is_dir() for f in sorted(d.iterdir())
                                  if f.is_file() for e in parse_reader_conf(f)), ())
    else:
        found = find_vpcd(dirs)
    for e in found.entries:
        print(f"vpcd reader configured in {e.path} (TCP port {e.port})")
    for p in found.listening_ports:
        print(f"vpcd/pcscd listening on TCP port {p}")
    return 1 if found.present else 0


if __name__ == "__main__":
    raise SystemExit(main())
