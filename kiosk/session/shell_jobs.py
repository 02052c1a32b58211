"""The shell's jobs: what runs on the worker threads, each answer posted back as an event.

Every port call here blocks; none runs on the session thread or the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future

from kiosk.session.core import effects as fx
from kiosk.session.core import events as ev
from kiosk.session.holder import HolderVerifierPort
from kiosk.session.ports import CardPort, PrinterPort, PrintResult, ServiceRunner, SessionPortError
from kiosk.session.view import PrintStatus

log = logging.getLogger("kiosk.session")
PHOTO_UNREADABLE_KEY = "card.photo_unreadable"
"""Said in place of the photo when it could not be read (any cause): the identity stands."""


class ShellJobs:
    """The worker side of `kiosk.session.shell.SessionShell`."""

    _card: CardPort
    _runners: dict[str, ServiceRunner]
    _printer: PrinterPort
    _holder: HolderVerifierPort | None

    def _post(self, item: ev.Event | Callable[[], None]) -> None:
        raise NotImplementedError

    def _job_read_card(self, job: fx.ReadCard) -> None:
        """Read identity, then (optionally) the photo."""
        sid, n = job.session_id, job.job
        try:
            card = self._card.read_identity()
        except SessionPortError as exc:
            self._post(ev.JobFailed(sid, n, ev.JobKind.READ, _failure(exc)))
            return
        except Exception as exc:  # a driver bug must still end in a defined state
            log.exception("card read failed (%s)", type(exc).__name__)
            self._post(ev.JobFailed(sid, n, ev.JobKind.READ,
                                    ev.Failure("session.remove_card_retry", None, False)))
            return
        self._post(ev.JobFinished(sid, n, ev.JobKind.READ, card))
        if not job.with_photo:
            return
        try:
            photo = self._card.read_photo(lambda p: self._post(ev.PhotoProgress(sid, p)))
        except Exception as exc:
            # The identity stands; the photo is said to be unreadable, never shown broken.
            log.warning("photo read failed: %s (%s)", type(exc).__name__,
                        getattr(exc, "message_key", ""))
            self._post(ev.PhotoRead(sid, None, PHOTO_UNREADABLE_KEY))
            return
        self._post(ev.PhotoRead(sid, photo))

    def _job_service(self, job: fx.RunService, consent: Future[None] | None) -> None:
        sid, n = job.session_id, job.job
        try:
            if consent is not None:
                consent.result()
            outcome = self._runners[job.handler](job.request)
        except SessionPortError as exc:
            self._post(ev.JobFailed(sid, n, ev.JobKind.SERVICE, _failure(exc)))
            return
        except Exception:
            log.exception("service %s failed", job.request.service_id)
            self._post(ev.JobFailed(sid, n, ev.JobKind.SERVICE, ev.Failure("service.failed")))
            return
        self._post(ev.JobFinished(sid, n, ev.JobKind.SERVICE, outcome))

    def _job_holder_start(self, job: fx.StartHolder) -> None:
        assert self._holder is not None
        self._holder_call(job.session_id, job.job, ev.JobKind.HOLDER_START,
                          lambda: self._holder.start(job.cid))  # type: ignore[union-attr]

    def _job_holder_poll(self, job: fx.PollHolder, stop: threading.Event) -> None:
        """Wait `delay_s` unless the session stops waiting first; then ask once."""
        assert self._holder is not None
        if (job.delay_s > 0 and stop.wait(job.delay_s)) or stop.is_set():
            return
        self._holder_call(job.session_id, job.job, ev.JobKind.HOLDER_POLL,
                          lambda: self._holder.poll(job.verification_id))  # type: ignore[union-attr]

    def _holder_call(self, sid: str, n: int, kind: ev.JobKind, call: Callable[[], object]
                     ) -> None:
        try:
            answer = call()
        except Exception as exc:
            log.warning("session %s: holder verification failed (%s)", sid,
                        type(exc).__name__)
            self._post(ev.JobFailed(sid, n, kind, ev.Failure("holder.provider_down")))
            return
        self._post(ev.JobFinished(sid, n, kind, answer))

    def _job_print(self, job: fx.Print) -> None:
        try:
            result = self._printer.print_receipt(job.session_id, job.document)
        except Exception:
            log.exception("printing failed")
            result = PrintResult(PrintStatus.FAILED, "printer.failed")
        self._post(ev.JobFinished(job.session_id, job.job, ev.JobKind.PRINT, result))


def _failure(exc: SessionPortError) -> ev.Failure:
    return ev.Failure(exc.message_key, exc.text, exc.recoverable)
