"""The one observer list behind the session's ports."""

from __future__ import annotations

from kiosk.observers import Subscribers
from kiosk.session.ports import StaticQueueHealth
from kiosk.session.view import Connectivity
from simulators.session_ports import StaticConnectivity


def test_every_subscriber_gets_each_value_until_it_unsubscribes() -> None:
    subscribers: Subscribers[int] = Subscribers()
    first: list[int] = []
    second: list[int] = []
    unsubscribe_first = subscribers.subscribe(first.append)
    subscribers.subscribe(second.append)
    subscribers.notify(1)
    unsubscribe_first()
    unsubscribe_first()  # twice is harmless
    subscribers.notify(2)
    assert first == [1]
    assert second == [1, 2]


def test_a_callback_may_unsubscribe_itself_while_being_notified() -> None:
    subscribers: Subscribers[str] = Subscribers()
    seen: list[str] = []
    unsubscribe = None

    def once(value: str) -> None:
        seen.append(value)
        assert unsubscribe is not None
        unsubscribe()

    unsubscribe = subscribers.subscribe(once)
    subscribers.notify("a")
    subscribers.notify("b")
    assert seen == ["a"]


def test_static_ports_report_changes_to_subscribers() -> None:
    connectivity = StaticConnectivity()
    states: list[Connectivity] = []
    connectivity.subscribe(states.append)
    connectivity.set(Connectivity.OFFLINE)
    assert connectivity.current() is Connectivity.OFFLINE
    assert states == [Connectivity.OFFLINE]

    health = StaticQueueHealth()
    accepting: list[bool] = []
    stop = health.subscribe(accepting.append)
    health.set(False)
    stop()
    health.set(True)
    assert accepting == [False] and health.accepting()


def test_a_failing_subscriber_does_not_keep_the_value_from_the_others() -> None:
    subscribers: Subscribers[int] = Subscribers("test subscriber")
    seen: list[int] = []

    def broken(value: int) -> None:
        raise RuntimeError("boom")

    subscribers.subscribe(broken)
    subscribers.subscribe(seen.append)
    subscribers.notify(7)
    assert seen == [7]
