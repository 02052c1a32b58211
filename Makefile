# The two set-up commands of the README: `make demo` and `make test`.
# Each one installs what it needs (system packages when root, the .venv), then runs.
# Re-running is fast: every step leaves a stamp and is redone only when its input changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMPS := .make

.PHONY: test-container demo test lint pytest test-twice bench system venv prompts clean install fleet-demo \
        deb repo lock lint-deb fleet-update-demo bench-check bench-baseline

demo: venv prompts
	$(PY) -m kiosk demo

test: venv lint prompts pytest

# The espeak-ng stand-in prompt pack in [audio] pack_dir (.state/prompts), brought up to date
# (only changed clips are rebuilt): `python -m kiosk prompts check` then exits 0.
prompts: venv
	$(PY) -m kiosk prompts build

lint: venv
	$(VENV)/bin/ruff check .

# The real-systemd container tests (marks container, slow; docs/appliance.md): make test runs
# tests/appliance/test_container.py (green twice in a row, 7.7-10.7 min; where nspawn cannot
# run it skips, saying why). The package module (three .deb builds, 6-13 min more) runs in
# `make test-container` (root, systemd-nspawn; both modules), a CI job of its own.
pytest: venv
	scripts/with-display.sh $(PY) -m pytest --ignore=tests/appliance/test_container_package.py $(PYTEST_ARGS)

test-container: venv
	$(PY) -m pytest -m container -s $(PYTEST_ARGS)

# A real Prometheus scraping 60 simulated kiosks; prints the firing alerts (docs/fleet-metrics.md).
fleet-demo: venv
	$(PY) -m simulators.fleet --kiosks 60 $(FLEET_ARGS)

# Fleet updates (docs/fleet-updates.md). `make deb`: dist/linkage-kiosk_<version>_<arch>.deb
# from debian/requirements.lock; `make repo`: publish it to canary in the aptly repository
# REPO_DIR (fleet key made on first use, kept 0700 there); `make lock`: re-pin the lock.
REPO_DIR ?= /var/lib/linkage-fleet-repo
deb:
	packaging/build-deb.sh --out dist

repo: deb
	test -e $(REPO_DIR)/aptly.conf || packaging/fleet-repo.sh $(REPO_DIR) key
	packaging/fleet-repo.sh $(REPO_DIR) publish dist/linkage-kiosk_$$(sed -n 's/^version = "\(.*\)"$$/\1/p' pyproject.toml)_$$(dpkg --print-architecture).deb

# lintian over the built package (minutes: the venv has ~9,000 files). Overrides and the
# warnings left are explained in docs/fleet-updates.md.
lint-deb:
	lintian --fail-on error dist/linkage-kiosk_*.deb

lock:
	uv pip compile pyproject.toml debian/build-requirements.in --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_36 --no-header -o debian/requirements.lock
	uv pip compile debian/build-requirements.in --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_36 --no-header -o debian/build-requirements.lock

# The whole story: build v1-v3, publish, install, queue offline, upgrade, roll back (root).
fleet-update-demo: venv
	$(PY) -m simulators.fleet_update_demo $(FLEET_UPDATE_ARGS)

# The flakiness gate: the whole suite twice, two random orders, a busy loop on every core.
test-twice: venv lint
	scripts/test-twice.sh $(PYTEST_ARGS)

# Every bench at its full setting, one after another (bench/check.py is the gate, not a bench).
bench: venv
	@set -e; for b in bench/*.py; do [ $$b = bench/check.py ] && continue; \
	  echo "== $$b"; scripts/with-display.sh $(PY) $$b; done

# The regression gate (docs/benchmarks.md, "Regression gate"): every bench at its short
# setting (BENCH_QUICK=1), each watched figure compared with bench/baseline.json; prints the
# figures worse than noise allows and exits 1 if there are any. Not run in CI.
# `make bench-baseline` re-records the baseline (3 quick runs a bench) from an accepted tree.
bench-check: venv
	scripts/with-display.sh $(PY) bench/check.py check $(BENCH_CHECK_ARGS)

bench-baseline: venv
	scripts/with-display.sh $(PY) bench/check.py baseline $(BENCH_CHECK_ARGS)

system: $(STAMPS)/system
venv: $(STAMPS)/venv

$(STAMPS)/system: scripts/system-packages.txt scripts/system-packages-dev.txt scripts/ensure-system.sh
	scripts/ensure-system.sh
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/venv: pyproject.toml $(STAMPS)/system
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@mkdir -p $(STAMPS) && touch $@

install: venv
	scripts/install.sh

clean:
	rm -rf $(STAMPS) build *.egg-info .pytest_cache .ruff_cache
