"""The Kivy touch UI: renders `kiosk.session.view.SessionView`, sends touches back.

This is the only package that imports Kivy, and only in the modules that draw
(`app`, `widgets`, `screens`, `demo_panel`). `bootstrap` must run before any of them is
imported: it sets Kivy's environment and config, which Kivy reads once at import time.
`metrics`, `theme`, `i18n`, `sounds` and `bridge` are plain Python, usable without a display.
"""
