"""How long the kiosk's own TLS certificates stay valid: warn a month ahead, fail after.

`certificate_days_left` is what health shows and what metrics export (as a gauge per
certificate): a renewal is planned weeks ahead, not noticed when the kiosk stops working.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from cryptography import x509

WARN_DAYS = 30.0
"""Health warns when a certificate has fewer days left than this."""


def certificate_not_after(cert_file: Path) -> dt.datetime:
    """When the PEM file's certificate expires; for a bundle (a CA file), the earliest one,
    since that is the one to renew first."""
    certs = x509.load_pem_x509_certificates(Path(cert_file).read_bytes())
    return min(cert.not_valid_after_utc for cert in certs)


def certificate_days_left(cert_file: Path, now: dt.datetime | None = None) -> float:
    """Days until the certificate (bundle: the earliest) expires (negative once expired)."""
    now = now or dt.datetime.now(dt.UTC)
    return (certificate_not_after(cert_file) - now).total_seconds() / 86400


def expiry_findings(
    certificates: dict[str, Path], clock: Callable[[], dt.datetime] | None = None
) -> tuple[str, list[str], dict[str, float | None]]:
    """(worst level "ok"/"warn"/"fail", sentences for a technician, days left per name)."""
    now = clock() if clock else dt.datetime.now(dt.UTC)
    level, sentences, days_left = "ok", [], {}
    for name, path in certificates.items():
        try:
            days = certificate_days_left(path, now)
        except (OSError, ValueError) as exc:
            days_left[name] = None
            sentences.append(f"{name} {path} cannot be read ({exc.__class__.__name__})")
            level = "fail"
            continue
        days_left[name] = round(days, 1)
        if days <= 0:
            sentences.append(f"{name} {path} expired {-days:.0f} day(s) ago: install a "
                             "renewed certificate now")
            level = "fail"
        elif days < WARN_DAYS:
            sentences.append(f"{name} {path} expires in {days:.0f} day(s): renew it before "
                             "then")
            level = "warn" if level == "ok" else level
    return level, sentences, days_left
