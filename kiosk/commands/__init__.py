"""Sub-commands of ``python -m kiosk``; one module each, found automatically."""
