"""apt trusts the fleet repository through signed-by= with the fleet key, and nothing else:
a tampered package or a repository signed by another key is refused before anything is
installed. Real aptly, real GPG, real apt, HTTP on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.fleet.apt import AptError, FleetApt
from tests.fleet_updates.conftest import dummy_deb, fleet_repo, need, write_fleet_toml


@pytest.fixture
def repo(open_dir: Path) -> Path:
    need("aptly", "gpg", "apt-get", "dpkg-deb")
    directory = open_dir / "repo"
    fleet_repo(directory, "key")
    fleet_repo(directory, "publish", str(dummy_deb(open_dir, "1.0.0")),
               str(dummy_deb(open_dir, "1.1.0")))
    fleet_repo(directory, "promote", "1.0.0", "canary", "stable")
    return directory


def _apt(tmp_path: Path, url: str, keyring: Path, ring: str = "canary") -> FleetApt:
    cfg = write_fleet_toml(tmp_path / f"fleet-{ring}.toml", url=url, ring=ring,
                           keyring=keyring, state_dir=tmp_path / f"state-{ring}")
    apt = FleetApt(cfg)
    apt.prepare()
    return apt


def test_private_key_is_kept_tight(repo: Path) -> None:
    assert (repo / "gnupg").stat().st_mode & 0o077 == 0
    for path in (repo / "gnupg").rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, path


def test_signed_repository_is_read_per_ring(repo: Path, open_dir: Path, serve) -> None:
    url = serve(repo / "aptly" / "public")
    canary = _apt(open_dir, url, repo / "fleet-keyring.gpg", "canary")
    stable = _apt(open_dir, url, repo / "fleet-keyring.gpg", "stable")
    hold = _apt(open_dir, url, repo / "fleet-keyring.gpg", "hold")
    assert canary.update() and stable.update() and hold.update()
    assert canary.offered_versions() == ["1.0.0", "1.1.0"]
    assert stable.offered_versions() == ["1.0.0"]
    assert hold.offered_versions() == []
    deb = canary.download("1.1.0")
    assert deb.name == "linkage-kiosk_1.1.0_all.deb" and canary.kept("1.1.0") == deb


def test_tampered_package_is_refused(repo: Path, open_dir: Path, serve) -> None:
    url = serve(repo / "aptly" / "public")
    apt = _apt(open_dir, url, repo / "fleet-keyring.gpg")
    assert apt.update()
    [pool_file] = (repo / "aptly" / "public" / "pool").rglob("linkage-kiosk_1.1.0_all.deb")
    data = bytearray(pool_file.read_bytes())
    data[-10] ^= 0xFF  # one flipped bit in the payload, size unchanged
    pool_file.unlink()  # aptly hard-links its pool: write a new file, not through the link
    pool_file.write_bytes(bytes(data))
    with pytest.raises(AptError, match=r"(?i)hash sum mismatch|hashes"):
        apt.download("1.1.0")
    assert apt.kept("1.1.0") is None


def test_repository_signed_by_another_key_is_refused(repo: Path, open_dir: Path,
                                                     serve) -> None:
    other = open_dir / "other"
    fleet_repo(other, "key", "Someone else")
    (open_dir / "o").mkdir()
    fleet_repo(other, "publish", str(dummy_deb(open_dir / "o", "9.9.9")))
    url = serve(other / "aptly" / "public")
    # The kiosk trusts the fleet key only: the other key's repository does not verify.
    apt = _apt(open_dir, url, repo / "fleet-keyring.gpg")
    assert not apt.update()
    assert apt.offered_versions() == []
    with pytest.raises(AptError):
        apt.download("9.9.9")
