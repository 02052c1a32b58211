"""The citizen session: one safe, private session from card in to card out.

Plain Python (no Kivy): the pure core (`core.step`) decides, the shell
(`shell.SessionShell`, exported as `engine.SessionEngine`) runs it on its own thread and
publishes immutable `view.SessionView` snapshots to the UI, the tests and the scripted demo.
"""
