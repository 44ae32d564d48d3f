# The two commands: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev migrate seed check bench-import bench-seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The demo site runs with DEBUG on (no SECRET_KEY needed) unless the environment says otherwise.
run migrate: export DEBUG ?= true

migrate: install
	$(BIN)/python manage.py migrate --noinput

# Serve the site with demo data. Embedded default: SQLite, Celery tasks in-process, and the beat
# schedule run by `manage.py run_schedule`.
# With DATABASE_URL and REDIS_URL set: PostgreSQL, and a Celery worker with beat beside the server.
run: migrate
	$(BIN)/python manage.py seed_demo --scale small --if-empty
	$(BIN)/python manage.py demo_logins --base-url http://$(HOST):$(PORT)
	bash scripts/serve.sh $(HOST) $(PORT)

# The whole suite. Without service URLs on SQLite; with them on PostgreSQL and Redis.
# pytest's exit status 5 (no tests collected) counts as a failure.
test: install-dev
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests: failing"; exit 1; fi; exit $$rc

check: install-dev
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python tools/check_layers.py .

# Benchmarks (README: Benchmarks). They need DATABASE_URL pointing at PostgreSQL.
bench-import: install
	$(BIN)/python bench/bench_import.py --rows $${ROWS:-100000} --with-update

bench-seed: install
	$(BIN)/python bench/bench_seed.py --drop

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-artifacts run-schedule.json
