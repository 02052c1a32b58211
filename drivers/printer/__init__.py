"""ESC/POS receipt printer driver: transports, real-time status, typed errors."""
