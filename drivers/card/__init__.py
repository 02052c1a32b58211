"""The Thai ID card reader: typed Protocol, PC/SC and simulated implementations.

See ``drivers/card/README.md`` for the public surface and the design decisions. The names
here are those of :mod:`drivers.card.protocol` (events, states, the Protocol and, as part
of its contract, the errors of :mod:`drivers.card.errors`).
"""

from drivers.card.protocol import *  # noqa: F403
from drivers.card.protocol import __all__ as __all__
