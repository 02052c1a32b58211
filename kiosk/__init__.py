"""Linkage Kiosk: the self-service kiosk application.

Data flows one way: drivers -> services -> session state machine -> UI.
Only ``kiosk.ui`` imports Kivy; everything else is plain Python.
"""

__version__ = "0.1.0"
