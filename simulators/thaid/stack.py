"""The whole holder-verification back end on loopback TLS (tests, demo):

the ThaID provider, the Linkage reference server with its ThaID gateway (kiosk-facing, mutual
TLS) and the gateway's phone-facing redirect listener. The client secret is generated into a
0600 file in the server's state dir and read from there by the gateway only.

    with run_holder_stack(state_dir=tmp / "srv", pki_dir=pki) as stack:
        stack.server.base_url   # the kiosk's Linkage URL (holder routes included)
        stack.provider.set_fault("expired")
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from kiosk.config.loader import read_secret, write_secret
from kiosk.linkage.pki import ensure_server_pki
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.faults import FaultInjector
from simulators.linkage_server.holder import HolderGateway, RelyingParty
from simulators.linkage_server.holder_routes import CALLBACK_PATH, phone_app
from simulators.linkage_server.runner import RunningServer, run_in_thread
from simulators.seeds import load_seeds
from simulators.serving import StopOnExit
from simulators.thaid.provider import Client, Person, ThaidProvider
from simulators.thaid.runner import RunningProvider, TlsThread, run_provider, serve_tls

CLIENT_ID = "linkage-kiosk-gateway"
SECRET_FILE = "thaid-client-secret"


@dataclass
class HolderStack(StopOnExit):
    server: RunningServer
    thaid: RunningProvider
    gateway: HolderGateway
    callback: TlsThread

    @property
    def faults(self) -> FaultInjector:
        """The Linkage server's fault switches (as on `RunningServer`)."""
        return self.server.faults

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def provider(self) -> ThaidProvider:
        return self.thaid.provider

    @property
    def ca_file(self) -> Path:
        return self.server.pki.ca_file

    def stop(self) -> None:
        self.callback.stop()
        self.server.stop()
        self.thaid.stop()


def people_from_seeds() -> dict[str, Person]:
    """ThaID accounts of the seed citizens: names and birth date as on their cards."""
    people = {}
    for citizen in load_seeds().citizens:
        card = citizen.card
        th = str(card.th_name).split("#")
        en = str(card.en_name).split("#")
        birth = str(card.birth)
        born = f"{int(birth[:4]) - 543:04d}-{birth[4:6]}-{birth[6:8]}" if birth[4:] != "0000" \
            else f"{int(birth[:4]) - 543:04d}"
        people[citizen.cid] = Person(citizen.cid, given_name=th[1], family_name=th[-1],
                                     given_name_en=en[1], family_name_en=en[-1],
                                     birthdate=born)
    return people


@dataclass
class ThaidSide:
    """The ThaID provider, the gateway (to hand to `LinkageServer(holder=...)`) and its
    phone-facing redirect listener, all running."""

    thaid: RunningProvider
    gateway: HolderGateway
    callback: TlsThread

    def stop(self) -> None:
        self.callback.stop()
        self.thaid.stop()


def start_thaid(*, state_dir: Path, pki_dir: Path, host: str = "127.0.0.1") -> ThaidSide:
    """Provider and gateway with a client registration between them; the secret is
    generated into a 0600 file under the server's state dir and read by the gateway."""
    pki = ensure_server_pki(Path(pki_dir))
    secret_file = Path(state_dir) / "secrets" / SECRET_FILE
    if not secret_file.exists():
        write_secret(secret_file, secrets.token_urlsafe(32).encode())
    secret = read_secret(secret_file, what="ThaID client secret").decode()
    thaid = run_provider(pki_dir, people=people_from_seeds(), host=host)
    try:
        gateway = HolderGateway(RelyingParty(issuer=thaid.issuer, client_id=CLIENT_ID,
                                             client_secret=secret, ca_file=pki.ca_file))
        callback = serve_tls(phone_app(gateway), pki, host=host, name="thaid-callback")
    except BaseException:
        thaid.stop()
        raise
    gateway.redirect_uri = callback.base_url + CALLBACK_PATH
    thaid.provider.add_client(Client(CLIENT_ID, secret, (gateway.redirect_uri,)))
    return ThaidSide(thaid, gateway, callback)


def run_holder_stack(*, state_dir: Path, pki_dir: Path, seeds: SeedIndex | None = None,
                     host: str = "127.0.0.1", port: int = 0) -> HolderStack:
    side = start_thaid(state_dir=state_dir, pki_dir=pki_dir, host=host)
    try:
        server = run_in_thread(state_dir=Path(state_dir), pki_dir=pki_dir, seeds=seeds,
                               holder=side.gateway, host=host, port=port)
    except BaseException:
        side.stop()
        raise
    return HolderStack(server, side.thaid, side.gateway, side.callback)
