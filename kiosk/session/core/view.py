"""The view the UI draws, from the core's state (pure)."""

from __future__ import annotations

from kiosk.session.core.card import FAULTS_OUT_OF_SERVICE_KEY
from kiosk.session.core.machine import State
from kiosk.session.view import MenuEntry, SessionView
from kiosk.session.view_builder import build_menu, build_view


def view_of(state: State, seq: int) -> SessionView:
    st, cfg = state, state.config
    return build_view(
        seq, screen=st.screen, session=st.session, catalogue=cfg.catalogue,
        language=st.language, queue_accepting=st.queue_accepting, return_to=st.return_to,
        error=st.error, progress=st.progress, end_message=st.end_message,
        countdown=st.countdown, max_extensions=cfg.timeouts.max_extensions,
        connectivity=st.connectivity, print_status=st.print_status,
        printer_ready=st.printer_ready, printer_reason=st.printer_reason, alert=st.alert,
        alert_id=st.alert_id, holder_available=cfg.holder_available, fault_ref=st.fault_ref,
        out_of_service_key=FAULTS_OUT_OF_SERVICE_KEY if st.faulted else "session.no_reader",
    )


def menu_of(state: State) -> tuple[MenuEntry, ...]:
    s = state.session
    return build_menu(state.config.catalogue, connectivity=state.connectivity,
                      queue_accepting=state.queue_accepting, printer_ready=state.printer_ready,
                      holder_verified=s is not None and s.holder_verified,
                      holder_available=state.config.holder_available)
