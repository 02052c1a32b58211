"""The virtual Thai ID card: APDU emulator, vpcd link, private pcscd stack, CLI.

- :class:`~simulators.vcard.card.ThaiIdCardEmulator` answers APDUs for a seed citizen.
- :class:`~simulators.vcard.vpcd.VirtualCard` plugs it into pcscd through vpcd.
- :class:`~simulators.vcard.pcsc_stack.PcscStack` starts a private pcscd with vpcd readers.
- ``python -m simulators.vcard --help``: insert/remove cards from the shell.
"""
