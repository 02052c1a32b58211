"""One simulated fleet and one real Prometheus, shared by the fleet and dashboard tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.fleet import FAULTS, Fleet, Prometheus, plan_fleet


@pytest.fixture(scope="session")
def fleet_and_prometheus(tmp_path_factory: pytest.TempPathFactory
                         ) -> Iterator[tuple[Fleet, Prometheus]]:
    fleet = Fleet(plan_fleet(len(FAULTS) + 3, seed=5))
    try:
        # 2 s: short enough for a quick test, long enough that a loaded CI machine still
        # answers a scrape within the (equal) scrape timeout.
        prom = Prometheus(fleet.targets, tmp_path_factory.mktemp("prometheus"), interval_s=2.0)
        try:
            prom.settle(len(fleet.states), deadline_s=120)
            yield fleet, prom
        finally:
            prom.close()
    finally:
        fleet.close()
