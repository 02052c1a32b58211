"""Spoken guidance (audio mode): a pure planner, a prompt pack of recorded clips, a shell.

`planner` decides what to say (clip ids, no I/O); `pack` finds the clips of a locale;
`speech.AudioSpeech` is the `kiosk.session.speech.SpeechPort` the UI calls, playing through
a `drivers.audio` AudioPort. No Kivy here.
"""
