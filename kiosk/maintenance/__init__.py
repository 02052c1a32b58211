"""The technician's side of the kiosk, without any UI: PIN gate, health, diagnostics, audit.

The Kivy screens in ``kiosk/ui/maintenance/`` and the ``python -m kiosk maintenance``
command are two front ends over the same plain-Python core here.
"""
