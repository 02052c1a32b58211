"""The citizen session: one safe, private session from card in to card out.

Plain Python (no Kivy): `engine.SessionEngine` owns the state on its own thread and
publishes immutable `view.SessionView` snapshots to the UI, the tests and the scripted demo.
"""
