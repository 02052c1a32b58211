"""Audio output (ALSA) and the headphone jack (evdev), each behind one small Protocol."""
