# casemgmt: `make run` sets up and starts the app on the embedded default; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DEMO_PARTICIPANTS ?= 300
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate seed lint check-migrations messages clean worker prod bench backup restore

$(BIN)/activate: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

install: $(BIN)/activate

migrate: install
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py load_seed_programme
	$(PY) manage.py demo_data --participants $(DEMO_PARTICIPANTS) --seed 1

# Where reminder mails link to (docs/deployment.md): the address `make run` serves, unless set.
run worker: export SITE_URL ?= http://$(HOST):$(PORT)

# The app and, beside it, what reminders need: a Celery worker with beat (its log: var/worker.log).
run: seed
	$(PY) manage.py demo_logins --url http://$(HOST):$(PORT)/
	@echo "Reminders: a Celery worker with beat runs beside the app; its log is var/worker.log"
	@$(BIN)/celery -A casemgmt worker --beat --loglevel info > var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# The Celery worker with beat inside it (one process; for development and small set-ups): runs the
# reminder scans every 15 minutes. Without REDIS_URL it uses the file-system broker under var/celery.
worker: install
	$(BIN)/celery -A casemgmt worker --beat --loglevel info

# The production stack on this machine (gunicorn, a Celery worker, the one beat) from the environment
# alone: see docs/deployment.md. Pids and logs under var/prod/; Ctrl-C or SIGTERM stops it cleanly.
prod: install
	BIND="$${BIND:-$(HOST):$(PORT)}" ops/prod

# Every benchmark, once: fills (or reuses) the casemgmt_bench database and writes BENCHMARKS.md
# (bench/README.md). Several minutes at the full size; BENCH_ARGS="--participants 2000" for a quick look.
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# A backup of the database named by DATABASE_URL (SQLite by default) with its manifest (docs/operations.md).
BACKUP_DIR ?= var/backups
backup: install
	mkdir -p $(BACKUP_DIR)
	$(PY) manage.py backup --output $(BACKUP_DIR)/casemgmt-$$(date +%Y%m%d-%H%M%S).backup

# make restore FILE=var/backups/casemgmt-....backup [ARGS=--force]
restore: install
	$(PY) manage.py restore $(FILE) $(ARGS)

# On a worker per CPU (pytest-xdist; TEST_WORKERS=0: in one process), then the tests marked `redis` one
# after another (they share Redis, beat's lease and Celery workers of their own). Fails as the first that fails.
TEST_WORKERS ?= auto
test: install
	@$(BIN)/pytest -q --numprocesses $(TEST_WORKERS) -m "not redis"; side_by_side=$$?; \
	$(BIN)/pytest -q -m redis; one_by_one=$$?; \
	if [ $$side_by_side -ne 0 ]; then exit $$side_by_side; fi; exit $$one_by_one

lint: install
	$(BIN)/ruff check .

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

messages: install
	$(PY) manage.py makemessages -l nl -l en --ignore=$(VENV) --ignore=tests --ignore=bench --no-location
	$(PY) manage.py compilemessages --ignore=$(VENV)

clean:
	rm -rf $(VENV) var staticfiles
