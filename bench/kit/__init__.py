"""What several benches share and is not a bench itself (`make bench` runs `bench/*.py`)."""
