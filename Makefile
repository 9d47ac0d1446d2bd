# Twofold: `make run` to try it, `make test` to check it, `make bench` to measure it, `make dev` to change it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PYTEST_ARGS ?=
AXE_VERSION := 4.14.1
AXE := tests/browser/vendor/axe-core/axe.min.js
CHROMIUM := /usr/bin/chromium
# Where the database, secret key and job queue live (config.py reads the same variable).
TWOFOLD_INSTANCE_DIR ?= $(CURDIR)/instance
SECRET := $(TWOFOLD_INSTANCE_DIR)/secret_key
LOGINS := $(TWOFOLD_INSTANCE_DIR)/demo-logins.txt
export FLASK_APP := practice

# Shared libraries WeasyPrint loads at run time (Debian/Ubuntu package names).
SYSTEM_LIBS := libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 libharfbuzz-subset.so.0:libharfbuzz-subset0

.PHONY: run dev test test-slow test-browser screenshots pytest bench install system-libs chromium migrate demo demo-logins clean

# The web server, and beside it a worker for the job queue (email, large PDFs),
# which waits in instance/jobs.db: nothing else to install or start. practice.platform.launch
# runs both as one foreground job, so Ctrl+C stops them and make ends without an error.
SERVE_ENV = SECRET_KEY="$$(cat "$(SECRET)")" PUBLIC_URL="$${PUBLIC_URL:-http://$(HOST):$(PORT)}" HOST="$(HOST)" PORT="$(PORT)"
SERVE = $(BIN)/python -m practice.platform.launch --ready "http://$(HOST):$(PORT)/healthz" --then-print "$(LOGINS)" --

# gunicorn, as a small practice would run it (gunicorn.conf.py: workers from the cores).
run: install system-libs $(SECRET) migrate demo-logins
	@echo "Twofold is starting on http://$(HOST):$(PORT) with gunicorn and a job worker"
	@$(SERVE_ENV) exec $(SERVE) $(BIN)/gunicorn --config gunicorn.conf.py

# Flask's development server with its reloader and debugger, the job worker beside it.
dev: install system-libs $(SECRET) migrate demo-logins
	@$(SERVE_ENV) exec $(SERVE) $(BIN)/flask run --debug --host "$(HOST)" --port "$(PORT)"

# The browser tests run in the SQLite pass only: they serve their own SQLite demo either way.
test: install system-libs chromium $(AXE)
	$(BIN)/bandit -c pyproject.toml -r practice config.py --severity-level medium --quiet
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$TEST_DATABASE_URL), without the browser tests"; \
		$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS); \
	fi

# Fault and multi-process tests (gunicorn workers killed, the database cut off, two app
# instances on PostgreSQL and Redis, a Redis job worker): minutes, not seconds.
test-slow: install system-libs
	$(MAKE) --no-print-directory pytest MARKERS="slow"

pytest:
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -m "$(MARKERS)" $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; \
		$(BIN)/python -m pytest -m "$(MARKERS)" $(PYTEST_ARGS); \
	fi

# Real Chromium against the real app; skipped, saying why, where /usr/bin/chromium is missing.
test-browser: install system-libs chromium $(AXE)
	$(BIN)/python -m pytest -m browser tests/browser $(PYTEST_ARGS)

# The README's pictures, taken from a fresh demo practice (pdftoppm draws the PDF page).
screenshots: install system-libs
	@command -v pdftoppm >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || { \
		echo "Installing poppler-utils (pdftoppm)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

# axe-core (accessibility rules) is vendored from npm so tests need no network;
# delete the folder and run `make test` to fetch AXE_VERSION again.
$(AXE):
	@command -v npm >/dev/null || { echo "npm is needed once to fetch axe-core: apt-get install -y npm"; exit 1; }
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && tar -xzf axe-core-$(AXE_VERSION).tgz \
		&& mkdir -p $(CURDIR)/$(@D) && cp package/axe.min.js package/LICENSE package/LICENSE-3RD-PARTY.txt $(CURDIR)/$(@D)/ \
		&& rm -rf $$tmp

# Synthetic practices (small and large) on SQLite and, with TEST_DATABASE_URL, PostgreSQL.
# Prints a table and writes bench/results/latest.json. BENCH_ARGS="--help" lists the options.
BENCH_ARGS ?=
bench: install system-libs
	@command -v wrk >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing wrk (the load generator)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else echo "wrk is not installed: a slower Python load client stands in (sudo apt-get install wrk)"; fi; }
	$(BIN)/python -m bench $(BENCH_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Twofold needs Python 3.11 or newer.")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

system-libs:
	@missing=""; for pair in $(SYSTEM_LIBS); do \
		lib=$${pair%%:*}; pkg=$${pair##*:}; \
		ldconfig -p 2>/dev/null | grep -q "$$lib" || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing libraries WeasyPrint needs:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "WeasyPrint (PDF summaries) needs these system libraries:$$missing"; \
		echo "Install them with:  sudo apt-get install -y$$missing"; \
		echo "(On macOS: brew install pango harfbuzz)"; \
	fi

# Debian's Chromium (never a downloaded browser), which the browser tests drive.
chromium:
	@[ -x $(CHROMIUM) ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
			|| echo "Chromium could not be installed: the browser tests will be reported as skipped."; \
	else \
		echo "The browser tests drive Debian's Chromium at $(CHROMIUM), which is not installed;"; \
		echo "they will be reported as skipped. Install it with:  sudo apt-get install -y chromium"; \
	fi

$(SECRET):
	@mkdir -p "$(@D)"
	@$(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@
	@chmod 600 $@

migrate: install
	$(BIN)/flask db upgrade

demo: install
	$(BIN)/flask library sync
	$(BIN)/flask seed-demo

# The same, quietly: `make run` and `make dev` print the logins once the server is ready.
demo-logins: install
	@$(BIN)/flask seed-demo > "$(LOGINS)"

clean:
	rm -rf $(VENV) instance .pytest_cache
