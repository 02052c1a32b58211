"""Device drivers: the card reader (:mod:`drivers.card`) and the receipt printer.

Drivers know nothing of the UI or the session: each device is a small typed Protocol with a
real implementation and a simulator of equal standing.
"""
