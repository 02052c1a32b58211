"""Simulators of equal standing with the real devices: virtual card, printer, Linkage server."""
