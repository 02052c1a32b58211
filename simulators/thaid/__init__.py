"""A ThaID provider of equal standing: DOPA's digital ID as an OpenID Connect provider.

`provider.py` is the Starlette app (discovery, JWKS, authorize, token, introspect) with
fault modes; `runner.py` serves it over loopback TLS in a thread; `phone.py` is the
citizen's ThaID app (approve an authorization request as a given person).
"""
