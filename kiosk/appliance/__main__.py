"""``python -m kiosk.appliance``: the kiosk as the systemd service ``linkage-kiosk`` runs it.

The touch UI for citizens with the technician's maintenance menu attached, fleet metrics
on loopback, systemd readiness and watchdog (`kiosk.ui.launch.run_app`). The outbox sender
runs in its own service (``python -m kiosk outbox run``), so it is not started here.
"Restart app" on the maintenance menu ends the UI; systemd (Restart=always) starts it again.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from kiosk.config import ConfigError, Settings, load_settings

log = logging.getLogger("kiosk.appliance")
HEALTH_METRICS_INTERVAL_S = 60.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.appliance",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="config file (default: $KIOSK_CONFIG, else the demo)")
    parser.add_argument("--with-sender", action="store_true",
                        help="also run the outbox sender in this process (no outbox service)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    # Kivy reads its environment (and, without KIVY_NO_ARGS, our --config!) the moment
    # anything imports it: set it before `run` imports the app, the UI or the menu.
    from kiosk.logging_setup import configure_logging
    from kiosk.ui.bootstrap import kivy_environment

    os.environ.update(kivy_environment(settings.kiosk.state_dir / "kivy"))

    configure_logging(settings.kiosk.log_level, settings.kiosk.state_dir / "logs" / "kiosk.log")
    try:
        return run(settings, with_sender=args.with_sender)
    except ConfigError as exc:
        log.error("configuration error: %s", exc)
        return 2


def run(settings: Settings, *, with_sender: bool = False) -> int:
    from kiosk.app import attach_speech, build_kiosk
    from kiosk.appliance import metrics
    from kiosk.appliance.host_metrics import HostFacts, count_start
    from kiosk.appliance.parts import PartsWatch
    from kiosk.appliance.session_metrics import SessionMetrics, record_health
    from kiosk.maintenance.actions import Maintenance
    from kiosk.maintenance.audit import AuditTrail
    from kiosk.maintenance.health import HealthMonitor, ui_faults_probe
    from kiosk.maintenance.paths import audit_file, lockout_file
    from kiosk.maintenance.pin import PinGate
    from kiosk.session.view import Alert
    from kiosk.ui.launch import create_app, run_app
    from kiosk.ui.maintenance import attach_maintenance, on_main_thread, stop_app_on_sigterm

    gate = PinGate(settings.technician.pin_hash_file, lockout_file(settings),
                   technician_card_ids=settings.technician.technician_card_ids)
    # The controller exists only once the UI runs; a technician card may come any time.
    controllers: list[Any] = []
    card_reader = None
    if settings.technician.technician_card_ids:
        from kiosk.app import create_card_reader
        from kiosk.maintenance.technician_card import TechnicianCardReader

        card_reader = TechnicianCardReader(
            create_card_reader(settings.card.driver, reader_filter=settings.card.reader_filter,
                               reader_usb_id=settings.card.reader_usb_id,
                               transmit_retries=settings.card.transmit_retries),
            gate, lambda: [c.enter_by_card() for c in controllers])
    kiosk = build_kiosk(settings, start_sender=with_sender, card_reader=card_reader)
    server = None
    monitor = None
    parts = None
    try:
        _apply_profile_override(settings, kiosk.printing.service)
        SessionMetrics(metrics.default).attach(kiosk.engine)
        speech = attach_speech(kiosk)
        kiosk.engine.start()
        # Out of service while a part it needs is down (a failed unit, a silent sender).
        parts = PartsWatch(settings.kiosk.state_dir, kiosk.engine.set_parts_down,
                           watch_sender=not with_sender)
        parts.check()
        parts.start()
        app = create_app(settings, kiosk.engine, speech=speech)
        maintenance = Maintenance(
            settings, AuditTrail(settings.kiosk.id, audit_file(settings), outbox=kiosk.outbox),
            card_reader=kiosk.card_reader, printing=kiosk.printing.service,
            outbox=kiosk.outbox, linkage_factory=lambda: kiosk.linkage,
            restart=on_main_thread(app.stop))
        maintenance.extra_probes["ui_faults"] = ui_faults_probe(
            lambda: tuple(app.fault_guard.faults),
            lambda: kiosk.engine.view.alert is Alert.UI_FAULTS)
        if kiosk.outbox.last_salvage is not None:  # the store replaced a damaged database
            from kiosk.commands.outbox import record_salvage

            record_salvage(settings, kiosk.outbox, kiosk.outbox.last_salvage)
        from kiosk.commands.outbox import record_loss

        record_loss(settings, kiosk.outbox)  # the ledger's "N items lost", once per change
        if settings.technician.metrics_port:
            from kiosk.fleet.state import STATE_DIR, UpdateCollector, load_state

            # The updater's metrics (installed, offered, last attempt, rollbacks).
            metrics.default.add_collector(
                "updates", UpdateCollector(lambda: load_state(STATE_DIR)))
            server = metrics.serve(metrics.default, settings.technician.metrics_port)
            log.info("metrics on http://127.0.0.1:%d/metrics", server.port)
            count_start(metrics.default, settings.kiosk.state_dir)
            host = HostFacts(metrics.default, settings.kiosk.state_dir,
                             {"client": settings.linkage.client_cert_file,
                              "ca": settings.linkage.ca_file})

            def publish(report: Any) -> None:
                record_health(metrics.default, report)
                host.refresh()

            monitor = HealthMonitor(maintenance.probes(), publish,
                                    interval_s=HEALTH_METRICS_INTERVAL_S)
            monitor.start()

        stop_app_on_sigterm(app)

        def started(running_app: object) -> None:
            controller = attach_maintenance(running_app, maintenance, gate)
            controllers.append(controller)
            log.info("maintenance menu attached (%s screens)", len(controller.app.screens))

        run_app(app, on_started=started)
    finally:
        if parts is not None:
            parts.stop()
        if monitor is not None:
            monitor.stop()
        if server is not None:
            server.close()
        kiosk.close()
    return 0


def _apply_profile_override(settings: Settings, service: Any) -> None:
    """A printer profile the technician chose on the menu survives the restart."""
    from kiosk.maintenance.actions import effective_profile_name
    from kiosk.receipts.profiles import load_profile

    wanted = effective_profile_name(settings)
    if wanted != service.profile.name:
        try:
            service.profile = load_profile(settings.printer.profiles_file, wanted)
            log.info("printer profile %s (chosen on the maintenance menu)", wanted)
        except ConfigError:
            log.warning("printer profile override %r is unknown; using %s", wanted,
                        service.profile.name)


if __name__ == "__main__":
    sys.exit(main())
