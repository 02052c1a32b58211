"""The citizen's phone with the ThaID app: scan the kiosk's QR, confirm as a person.

`approve` does what the app and the phone's browser do: open the authorization URL from
the QR at the provider, confirm as the person logged in to the app (``pid``), and follow
the provider's redirect to the agency gateway's redirect endpoint. Returns the gateway's
answer to the phone (status code and JSON body).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


def _tls(ca_file: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_file))


@dataclass(frozen=True)
class PhoneResult:
    status: int
    body: dict[str, Any]
    redirect_url: str
    """Where the provider sent the phone (the gateway's redirect URI with code and state)."""


def approve(authorization_url: str, pid: str, *, ca_file: Path, timeout_s: float = 30.0
            ) -> PhoneResult:
    with httpx.Client(verify=_tls(ca_file), timeout=timeout_s) as http:
        shown = http.get(authorization_url)
        shown.raise_for_status()
        confirmed = http.post(authorization_url, data={"pid": pid})
        if confirmed.status_code != 302:
            return PhoneResult(confirmed.status_code, _json(confirmed), "")
        location = confirmed.headers["location"]
        answer = http.get(location)
        return PhoneResult(answer.status_code, _json(answer), location)


def approve_with_code(code_url: str, code: str, pid: str, *, ca_file: Path,
                      timeout_s: float = 30.0) -> PhoneResult:
    """The app without the camera: the citizen types the kiosk's short code; the app opens
    the request it names (``code_url``: the gateway's ``/thaid/code``), then as `approve`."""
    with httpx.Client(verify=_tls(ca_file), timeout=timeout_s) as http:
        opened = http.get(code_url, params={"code": code})
    if opened.status_code != 302:
        return PhoneResult(opened.status_code, _json(opened), "")
    return approve(opened.headers["location"], pid, ca_file=ca_file, timeout_s=timeout_s)


def deliver(redirect_url: str, *, ca_file: Path, timeout_s: float = 30.0) -> PhoneResult:
    """Open a redirect URL again (a replayed code/state, as an attacker would)."""
    with httpx.Client(verify=_tls(ca_file), timeout=timeout_s) as http:
        answer = http.get(redirect_url)
        return PhoneResult(answer.status_code, _json(answer), redirect_url)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
