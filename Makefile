# The two commands of the README: `make demo` and `make test`. Both create the environment first;
# `make install` only creates it (README, "Run it yourself").
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test chromium chaos bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

demo: $(BIN)/.installed
	$(BIN)/encola demo

# The page's tests drive Debian's chromium (no browser download): installed here when running as root.
CHROMIUM := /usr/bin/chromium
CHROMIUM_PACKAGES := chromium chromium-driver

test: $(BIN)/.installed chromium
	$(BIN)/python -m pytest

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && apt-get install -y -qq $(CHROMIUM_PACKAGES); \
		else \
			echo "make test needs $(CHROMIUM): install the Debian packages $(CHROMIUM_PACKAGES)" \
				"(sudo apt-get install $(CHROMIUM_PACKAGES))" >&2; exit 1; \
		fi; \
	fi

# The full reliability suite: the same scenarios as in `make test`, with thousands of comprobantes,
# and the HTTP API fuzzed with tens of thousands of bodies.
chaos: $(BIN)/.installed
	ENCOLA_CHAOS_SCALE=full ENCOLA_FUZZ_EXAMPLES=20000 $(BIN)/python -m pytest --timeout 1800 tests/reliability \
		tests/http/test_http_fuzz.py -s -p no:cacheprovider

# Benchmarks: each prints a table and writes bench/results/<name>.json (figures in BENCHMARKS.md).
bench: $(BIN)/.installed
	$(BIN)/python -m bench.e1_emission
	$(BIN)/python -m bench.e2_acceptance
	$(BIN)/python -m bench.e3_schedule
	$(BIN)/python -m bench.e4_webhooks
	$(BIN)/python -m bench.e5_neighbours

clean:
	rm -rf $(VENV) .encola .pytest_cache .hypothesis
