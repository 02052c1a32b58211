"""Any change to a signed ID token is refused by the gateway (Hypothesis picks the byte and
the replacement); the untouched token passes. The token is signed by the ThaID simulator's
key and checked against its published JWKS."""

from __future__ import annotations

import asyncio
import string
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.linkage.pki import ensure_kiosk_credentials
from simulators.linkage_server.holder import Refused
from simulators.thaid.provider import Person, _Code, _Request
from simulators.thaid.stack import CLIENT_ID, HolderStack, run_holder_stack

B64URL = string.ascii_letters + string.digits + "-_"
NONCE = "n" * 32


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HolderStack]:
    root: Path = tmp_path_factory.mktemp("fuzz")
    creds = ensure_kiosk_credentials(root / "pki", "FUZZ-1017-01")
    with run_holder_stack(state_dir=root / "server", pki_dir=creds.ca_file.parent) as s:
        yield s


@pytest.fixture(scope="module")
def token(stack: HolderStack) -> str:
    request = _Request(CLIENT_ID, stack.gateway.redirect_uri, "openid pid", "s" * 32, NONCE,
                       "c" * 43)
    code = _Code(request, Person("1101700207030"), time.time() + 60)
    return stack.provider._id_token(CLIENT_ID, code)


def _validate(stack: HolderStack, token: str) -> dict[str, object]:
    return asyncio.run(stack.gateway._validate(token, NONCE))


def test_the_untouched_token_passes(stack: HolderStack, token: str) -> None:
    assert _validate(stack, token)["pid"] == "1101700207030"


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_character_is_refused(stack: HolderStack, token: str,
                                          data: st.DataObject) -> None:
    # Not the last character of a part: its low bits may be padding (same bytes).
    ends = {i - 1 for i, c in enumerate(token) if c == "."} | {len(token) - 1}
    positions = [i for i, c in enumerate(token) if c != "." and i not in ends]
    index = data.draw(st.sampled_from(positions))
    replacement = data.draw(st.sampled_from(B64URL).filter(lambda c: c != token[index]))
    forged = token[:index] + replacement + token[index + 1:]
    with pytest.raises(Refused):
        _validate(stack, forged)
