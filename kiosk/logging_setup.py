"""Logging for every kiosk process, with citizen IDs masked before anything is written.

:class:`PiiFilter` sits on each *handler* (a logger's own filters do not see records that
propagate from child loggers) and rewrites the record: the formatted message, the
exception text and the stack text all go through :func:`mask_cid`. The formatter masks
once more, so a handler added without the filter cannot leak through our formatter either.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import warnings
from pathlib import Path
from typing import TextIO

from kiosk.domain.citizen_id import mask_cid

LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"
_MAX_BYTES = 5 * 1024 * 1024
_BACKUPS = 5
_OURS = "_kiosk_handler"


class PiiFilter(logging.Filter):
    """Mask citizen IDs in the message, its args, exception and stack text of each record."""

    _exception_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the log line
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = mask_cid(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._exception_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_cid(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_cid(record.stack_info)
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotating log file whose every generation is created 0600 (not subject to umask)."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_cid(super().format(record))


def configure_logging(level: str, log_file: Path | None = None) -> None:
    """Send logs to stderr (journald under systemd) and optionally a rotating file.

    Safe to call again: handlers it added before are replaced, others are left alone.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        log_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handlers.append(
            PrivateRotatingFileHandler(
                log_file, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
            )
        )
    for handler in handlers:
        handler.addFilter(PiiFilter())
        handler.setFormatter(MaskingFormatter(LOG_FORMAT))
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    if log_file is not None:
        os.chmod(log_file, 0o600)
    root.setLevel(level.upper())
    # Not logging.captureWarnings(True): it keeps a process-wide "already installed" flag
    # and does nothing on a second call, even after warnings.catch_warnings() has put the
    # old hook back, so a warning (which may carry a citizen ID) would bypass our handlers.
    warnings.showwarning = log_warning


def log_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """``warnings.showwarning`` hook: a warning becomes a ``py.warnings`` log record."""
    text = warnings.formatwarning(message, category, filename, lineno, line)
    if file is not None:  # an explicit destination, as logging's own hook honours it
        file.write(mask_cid(text))
        return
    logging.getLogger("py.warnings").warning("%s", text.rstrip())
