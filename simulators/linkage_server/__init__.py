"""Reference Linkage Center server (docs/linkage-api.yaml) for the demo, tests and
agency integrators: `python -m simulators.linkage_server --port N --state-dir D`."""
