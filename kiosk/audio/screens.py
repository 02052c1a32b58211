"""What each screen says: a `SessionView` turned into utterance items (pure, no I/O).

`screen_items` gives the title and purpose, the content field by field (card data and
results marked personal), errors with their next step, the timeout warning and, after a
print, what the receipt says (EN 301 549 5.1.3.16). `kiosk.audio.planner` decides when
and where (headphones or loudspeaker) to say it.
"""

from __future__ import annotations

from kiosk.audio import splice
from kiosk.audio.inventory import Lexicon, text_key
from kiosk.audio.utterance import Clip, Item, Pause, Say, personal
from kiosk.session.faults import fault_message_key
from kiosk.session.view import (
    LanguageCode,
    PrintStatus,
    ResultView,
    Screen,
    SessionView,
    Text,
)

_TITLE_HINT: dict[Screen, tuple[str, ...]] = {
    Screen.IDLE: ("idle.title", "idle.hint"),
    Screen.READING: ("reading.title", "reading.hint"),
    Screen.IDENTITY: ("identity.title",),
    Screen.CONSENT: ("consent.title",),
    Screen.MENU: ("menu.title",),
    Screen.VERIFY_HOLDER: ("holder.title", "holder.scan"),
    Screen.RUNNING: ("running.title",),
    Screen.RESULT: (),
    Screen.PRINTING: ("printing.title", "printing.hint"),
    Screen.FINISHED: ("finished.title",),
    Screen.TIMEOUT_WARNING: ("timeout.title",),
    Screen.ERROR: ("error.title",),
    Screen.TAKE_CARD: ("take_card.title", "take_card.hint"),
    Screen.OUT_OF_SERVICE: ("out_of_service.title", "out_of_service.hint"),
}
MOVES_ON = frozenset({Screen.IDENTITY, Screen.CONSENT, Screen.MENU, Screen.VERIFY_HOLDER,
                      Screen.RESULT, Screen.ERROR, Screen.TIMEOUT_WARNING, Screen.FINISHED})
"""Screens with something to choose: they end with how to move and choose."""


class Speaker:
    """Turns texts into items for one language, through the lexicon."""

    def __init__(self, lexicon: Lexicon, language: LanguageCode) -> None:
        self.lex, self.lang = lexicon, language

    def key(self, key: str | None, *, fallback: Text | None = None,
            personal: bool = False) -> tuple[Item, ...]:
        if key is not None and self.lex.has(self.lang, key):
            return (Clip(key, personal),)
        if fallback is not None:
            return self.text(fallback, personal=personal)
        return ()

    def text(self, text: Text, *, personal: bool = False) -> tuple[Item, ...]:
        """A Thai/English pair: its clip when the lexicon knows it, else free text."""
        if self.lex.has(self.lang, text_key(text)):
            return (Clip(text_key(text), personal),)
        return self.phrase(text.pick(self.lang), personal=personal)

    def phrase(self, text: str, *, personal: bool = False) -> tuple[Item, ...]:
        known = self.lex.key_for(self.lang, text)
        if known is not None:
            return (Clip(known, personal),)
        return (Say(text, personal),) if text.strip() else ()

    def value(self, text: str, *, personal: bool = True) -> tuple[Item, ...]:
        """A displayed value: spliced when it is a date, number or code; "-" is "none"."""
        if text.strip() in ("", "-"):
            return (Clip("speech.none", personal),)
        spliced = splice.value(text, self.lang, personal=personal)
        return spliced if spliced is not None else self.phrase(text, personal=personal)

    def template(self, key: str, values: dict[str, tuple[Item, ...]]) -> tuple[Item, ...]:
        parts = self.lex.templates.get((self.lang, key))
        if parts is None:
            return self.key(key)
        out: list[Item] = []
        for part in parts:
            out += values.get(part[1:-1], ()) if part.startswith("{") else [Clip(part)]
        return tuple(out)


def _identity(s: Speaker, view: SessionView) -> list[Item]:
    ident = view.identity
    if ident is None:
        return []
    name = ident.name_th if s.lang == "th" else (ident.name_en or ident.name_th)
    out: list[Item] = [*s.key("identity.cid"), *splice.code(ident.cid_display, personal=True),
                       Pause(), *s.key("identity.name"), Say(name, True), Pause(),
                       *s.key("identity.birth_date"), *s.value(ident.birth_date.pick(s.lang)),
                       Pause(), *s.key("identity.address"), Say(ident.address, True), Pause(),
                       *s.key("identity.card_expiry"),
                       *s.value(ident.card_expiry.pick(s.lang))]
    if ident.card_expired:
        out += s.key("identity.card_expired")
    return out


def result_items(s: Speaker, result: ResultView) -> list[Item]:
    """The result field by field, then its reference or queue number (all personal)."""
    out: list[Item] = [*s.text(result.title), *s.key(f"result.status.{result.status}")]
    if result.message_key or result.message_text:
        out += s.key(result.message_key, fallback=result.message_text)
    for row in result.rows:
        out += [Pause(), *s.text(row.label, personal=True), *s.value(row.value)]
    if result.reference:
        if result.service_id.endswith("ticket") or any(
                r.value == result.reference for r in result.rows):
            out += [Pause(), *s.key("speech.ticket"),
                    *splice.code(result.reference, personal=True)]
        else:
            out += [Pause(), *s.template("result.reference", {
                "reference": splice.code(result.reference, personal=True)})]
    return list(personal(out))


def _error(s: Speaker, view: SessionView) -> list[Item]:
    out = list(s.key(view.error_key, fallback=view.error_text))
    if not out:
        out += s.key("error.generic")
    nxt = f"{view.error_key}.next" if view.error_key else ""
    if s.lex.has(s.lang, nxt):
        out += [*s.key("speech.next_step"), *s.key(nxt)]
    else:
        out += s.key("error.next.recoverable" if view.recoverable else "error.next.fatal")
    return out


def _finished(s: Speaker, view: SessionView, receipt: ResultView | None) -> list[Item]:
    out: list[Item] = []
    if view.print_status is not PrintStatus.NONE and view.print_status is not \
            PrintStatus.PRINTING:
        out += s.key(f"finished.print.{view.print_status.value}")
    if view.print_status is PrintStatus.PRINTED and receipt is not None:
        out += [Pause(), *s.key("speech.receipt_says"), *result_items(s, receipt), Pause()]
    out += s.key("finished.take_card")
    return out


def _fault(s: Speaker, view: SessionView) -> tuple[Item, ...]:
    """The fault screen (`kiosk.ui.fault`): what happened, the next step, the reference for
    staff character by character (not personal: it names the fault, not the citizen)."""
    return (*s.key("fault.title"), *s.key(fault_message_key(view.progress_key)), Pause(),
            *s.template("fault.ref", {"ref": splice.code(view.fault_ref)}))


def screen_items(lexicon: Lexicon, view: SessionView, *,
                 receipt: ResultView | None = None) -> tuple[Item, ...]:
    """Everything `view` says (the planner filters personal items for the loudspeaker)."""
    s = Speaker(lexicon, view.language)
    if view.fault_ref:
        return _fault(s, view)
    out: list[Item] = []
    for key in _TITLE_HINT[view.screen]:
        out += s.key(key)
    if view.offline and view.screen is Screen.MENU:
        out += s.key("offline.banner")
    screen = view.screen
    if screen is Screen.IDENTITY:
        out += _identity(s, view)
    elif screen is Screen.CONSENT:
        if view.consent_text is not None:
            out += s.key("catalogue.consent", fallback=view.consent_text)
        out += s.key("consent.services")
        for name in view.consent_names:
            out += s.text(name)
    elif screen is Screen.VERIFY_HOLDER:
        short = getattr(view, "holder_short_code", None)
        if short:
            out += [Clip("speech.holder_code", True), *splice.code(str(short), personal=True)]
    elif screen is Screen.RUNNING and view.progress_key:
        out += s.key(view.progress_key)
    elif screen is Screen.RESULT and view.result is not None:
        out += result_items(s, view.result)
    elif screen is Screen.FINISHED:
        out += _finished(s, view, receipt)
    elif screen is Screen.ERROR:
        out += _error(s, view)
    elif screen is Screen.TIMEOUT_WARNING:
        if view.countdown_s is not None:
            out += s.template("timeout.countdown", {
                "seconds": splice.number(max(0, view.countdown_s), s.lang)})
        out += s.key("speech.any_key")
    if screen in MOVES_ON:
        out += [Pause(), *s.key("speech.how_to_move")]
    return tuple(out)


def focus_items(lexicon: Lexicon, language: LanguageCode, item_key: str, label: str,
                position: int, total: int) -> tuple[Item, ...]:
    """The focused item and its place: "My registry record, 2 of 5"."""
    s = Speaker(lexicon, language)
    said = (s.key(item_key) or s.key(f"catalogue.{item_key}.name") or s.phrase(label))
    where: tuple[Item, ...] = ()
    if total > 1:
        where = (*splice.number(position, language), Clip("speech.of"),
                 *splice.number(total, language))
    return (*said, Pause(150), *where)
