"""Fleet updates: maintenance window, busy check, self-check, rollback.

See docs/fleet-updates.md."""
