"""The kiosk's Linkage Center link: contract models, typed errors, citizen messages,
retry policy, token handling, the pooled mutual-TLS client and the test/demo PKI.

Contract: docs/linkage-api.yaml (overview in docs/linkage-api.md). The reference server
that implements it lives in ``simulators/linkage_server``.
"""
