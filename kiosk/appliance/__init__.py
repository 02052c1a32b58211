"""Running as an unattended appliance: systemd notify/watchdog and fleet metrics."""
