"""Adapters that connect the session engine's ports to the kiosk's real services.

`card` wraps a `drivers.card` reader; `runners` implements the catalogue's services on the
Linkage client, the outbox and the receipt model; `slip` signs and verifies registry slips.
"""
