"""An X display for the UI tests: the caller's if it works, else a private Xvfb.

``make test`` already runs under scripts/with-display.sh; this lets
``.venv/bin/pytest tests/ui`` work on its own too (the display number is chosen by Xvfb
itself through -displayfd, so parallel runs never collide).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess

SCREEN = "1280x800x24"


def display_works() -> bool:
    if not os.environ.get("DISPLAY") or shutil.which("xdpyinfo") is None:
        return False
    return subprocess.run(["xdpyinfo"], capture_output=True, timeout=10).returncode == 0


def ensure_display() -> None:
    if display_works():
        return
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", SCREEN, "+extension", "GLX",
         "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        raise RuntimeError("Xvfb did not start (is the xvfb package installed?)")
    os.environ["DISPLAY"] = f":{number}"

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()

    atexit.register(stop)
