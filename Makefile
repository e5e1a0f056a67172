# Two commands do all the set-up on a machine with only Python 3.11+:
#   make run    virtualenv, install, migrate, demo data once, serve http://127.0.0.1:8000
#   make test   the same set-up, then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install migrate demo run test test-fast faults lint browser messages check-deploy clean audit audit-deps bandit screenshots

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT)

# The server, the clock (the sweep that stores expired periods) and the webhook sender,
# stopped together.
run: demo
	trap 'kill 0' EXIT; $(BIN)/python manage.py run_clock & $(BIN)/python manage.py deliver_webhooks & \
	  $(BIN)/daphne -b $(HOST) -p $(PORT) project.asgi:application

# Debian's Chromium for the browser tests (never a browser download). Installs it when this
# user may; otherwise the browser tests say why they did not run (and CI fails on that).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)) ; } || \
	  echo "chromium is not installed: browser tests will be skipped (sudo apt-get install chromium)"

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not browser and not servers" $(PYTEST_ARGS)

# The fault tests (tests/faults, docs/security.md "faults"): real servers SIGKILLed mid ballot
# burst, PostgreSQL stopped and Redis restarted under them. They start their OWN PostgreSQL
# cluster (initdb + pg_ctl, from /usr/lib/postgresql/*/bin) and redis-server on free ports,
# never the shared ones; a missing binary fails them. The test process itself uses SQLite.
faults: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest tests/faults --faults -s $(PYTEST_ARGS)

# The screenshots kept for review (docs/screenshots/): phone, projector and desktop views of a
# fresh copy of the demo data, through Debian's Chromium. No test compares pixels with them.
# Korean glyphs need a Korean font (Debian's fonts-nanum), installed like Chromium when root.
screenshots: install browser
	@fc-list :lang=ko 2>/dev/null | grep -q . || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get install -y -qq fonts-nanum >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq fonts-nanum >/dev/null)) ; } || \
	  echo "no Korean font: Korean text will show as boxes (sudo apt-get install fonts-nanum)"
	$(BIN)/python -m tests.e2e.screenshots --out docs/screenshots

lint: install
	$(BIN)/ruff check --select F,E9 deliberation realtime project tests load_tests

messages: install
	$(BIN)/python manage.py makemessages -l ko -l en --ignore '.venv/*' --ignore 'tests/*' \
	  --ignore 'load_tests/*' --ignore 'staticfiles/*' --ignore '*/migrations/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

check-deploy: install
	DEBUG=0 SECRET_KEY=$${SECRET_KEY:-check-only-$$(head -c 32 /dev/urandom | base64)} \
	  ALLOWED_HOSTS=example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

# Supply chain and code (docs/security.md): pip-audit --strict over the installed environment,
# which says CLEAN, VULNERABLE (fails) or NOT AUDITED (the advisory service could not check;
# fails only with AUDIT_REQUIRED=1), then bandit's medium and high severity findings (fail).
audit: audit-deps bandit

audit-deps: install
	$(BIN)/python .ci/audit_deps.py $(BIN)/pip-audit

bandit: install
	$(BIN)/bandit -q -c pyproject.toml -r deliberation realtime project --severity-level medium

clean:
	rm -rf $(VENV) var staticfiles

# The event-peak simulator (load_tests/README.md). Options pass through ARGS, e.g.
#   make bench ARGS="--scenario broadcast --viewers 10000 --rate 400 --duration 20"
.PHONY: bench bench-smoke bench-flood
bench: install
	$(BIN)/python -m load_tests $(ARGS)

bench-smoke: install
	$(BIN)/python -m load_tests --smoke $(ARGS)

# One account's flood against everyone else's votes (docs/performance.md "One account's flood
# and everyone else's votes"): baseline and flood pairs, 3 times. The socket limiter's settings
# go to the servers with ARGS="--server-env NAME=VALUE" (or the environment, which they inherit).
FLOOD_ARGS ?= --scenario flood --viewers 200 --voters 1000 --rate 200 --duration 5 --flood-repeats 3
bench-flood: install
	$(BIN)/python -m load_tests $(FLOOD_ARGS) $(ARGS)
