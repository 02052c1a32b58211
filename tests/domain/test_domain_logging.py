"""The log filter: no citizen ID reaches a log file or stderr unmasked."""

from __future__ import annotations

import io
import logging
import stat
import warnings
from pathlib import Path

import pytest

from kiosk.domain import CitizenId
from kiosk.logging_setup import (
    PiiFilter,
    PrivateRotatingFileHandler,
    configure_logging,
    log_warning,
)

CID = "1101700207030"
MASKED = "1-1017-xxxxx-xx-0"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def assert_warning_logged_masked(tmp_path: Path) -> None:
    log_file = tmp_path / "k.log"
    configure_logging("INFO", log_file)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"odd card {CID}", UserWarning, stacklevel=1)
    text = read(log_file)
    assert MASKED in text and CID not in text


def test_messages_args_and_tracebacks_are_masked(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "kiosk.log"
    configure_logging("debug", log_file)
    log = logging.getLogger("kiosk.test.child")  # propagates to the root handlers
    log.info("card %s inserted", CID)
    log.warning("formatted %(cid)s", {"cid": "1-1017-00207-03-0"})
    log.debug(f"f-string {CID}")
    try:
        raise ValueError(f"bad card {CID}")
    except ValueError:
        log.exception("failed for %s", CID)
    log.info("stack", stack_info=True, extra={"note": CID})
    text = read(log_file)
    assert CID not in text and "00207" not in text
    assert text.count(MASKED) >= 5
    assert "ValueError: bad card " + MASKED in text
    assert "Traceback" in text


def test_stderr_is_masked(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    logging.getLogger("kiosk.x").error("id %s", CID)
    err = capsys.readouterr().err
    assert MASKED in err and CID not in err


def test_level_is_applied(tmp_path: Path) -> None:
    log_file = tmp_path / "k.log"
    configure_logging("WARNING", log_file)
    logging.getLogger("kiosk.y").info("hidden")
    logging.getLogger("kiosk.y").warning("shown")
    text = read(log_file)
    assert "shown" in text and "hidden" not in text


def test_reconfiguring_does_not_duplicate_lines(tmp_path: Path) -> None:
    log_file = tmp_path / "k.log"
    configure_logging("INFO", log_file)
    configure_logging("INFO", log_file)
    logging.getLogger("kiosk.z").info("once")
    assert read(log_file).count("once") == 1


def test_log_file_is_private(tmp_path: Path) -> None:
    log_file = tmp_path / "state" / "kiosk.log"
    configure_logging("INFO", log_file)
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_file.parent.stat().st_mode) == 0o700


def test_rotated_files_stay_private(tmp_path: Path) -> None:
    log_file = tmp_path / "k.log"
    configure_logging("INFO", log_file)
    handler = next(
        h for h in logging.getLogger().handlers if isinstance(h, PrivateRotatingFileHandler)
    )
    logging.getLogger("kiosk.r").info("before rollover %s", CID)
    handler.doRollover()
    logging.getLogger("kiosk.r").info("after rollover")
    for path in (log_file, tmp_path / "k.log.1"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert CID not in read(tmp_path / "k.log.1")


def test_warnings_are_captured_and_masked(tmp_path: Path) -> None:
    assert_warning_logged_masked(tmp_path)


def test_warnings_are_captured_after_a_stale_capture(
    tmp_path: Path
) -> None:
    # The order CI met: an earlier configure_logging left logging's capture flag set and
    # warnings.catch_warnings() then restored the default hook behind its back.
    logging.captureWarnings(True)
    logging.captureWarnings(False)
    with warnings.catch_warnings():
        logging.captureWarnings(True)
    try:
        assert_warning_logged_masked(tmp_path)
    finally:
        logging.captureWarnings(False)


def test_filter_on_a_bare_record() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "id=%s obj=%r", (CID, [CID]), None)
    assert PiiFilter().filter(record) is True
    assert record.getMessage() == f"id={MASKED} obj=['{MASKED}']"


def test_filter_survives_a_bad_format_string() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d %d", (CID,), None)
    assert PiiFilter().filter(record) is True
    assert CID not in record.getMessage() and MASKED in record.getMessage()


def test_domain_objects_log_masked_by_themselves(tmp_path: Path) -> None:
    log_file = tmp_path / "k.log"
    configure_logging("INFO", log_file)
    logging.getLogger("kiosk.w").info("read %s / %r", CitizenId(CID), CitizenId(CID))
    assert CID not in read(log_file)


def test_a_warning_sent_to_an_explicit_file_is_masked_there() -> None:
    # warnings.showwarning(..., file=f) names its destination; the hook writes there, masked.
    out = io.StringIO()
    log_warning(f"odd card {CID}", UserWarning, "x.py", 3, file=out)
    assert MASKED in out.getvalue() and CID not in out.getvalue()
    assert "UserWarning" in out.getvalue()
