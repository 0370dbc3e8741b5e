# Two commands matter: `make run` and `make test`. Each sets up what is missing
# (virtualenv, dependencies, database) and skips what is already done. `make run`
# and `make serve` install the runtime alone (requirements.txt); the tests, the
# linters and the benchmarks add their tools (requirements-dev.txt).

PYTHON ?= python3.13
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TOOLS := $(VENV)/.installed-tools
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test lint format migrate clean serve worker bench bench-wordpress bench-email bench-spam bench-search test-postgres bench-pictures bench-fediverse

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# Reinstall only when requirements.txt changes.
$(INSTALLED): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# The tools on top, again only when either file changes.
$(TOOLS): $(INSTALLED) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Local development runs with DJANGO_DEBUG on unless the environment says otherwise.
run test migrate lint: export DJANGO_DEBUG ?= true

# What manage.py reads for local work (manage.py, config/environment.py): debug on, so
# that `.venv/bin/python manage.py createsuperuser` works as Django's tutorial has it.
.env:
	printf '# Written by make run for local development; the production server never reads it.\nDJANGO_DEBUG=true\n' > $@

migrate: $(INSTALLED) .env  ## Apply database migrations (creates the article on first run)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

# The email worker runs alongside runserver, as in production, and stops with it
# (Ctrl-C reaches both); in development emails are printed to this terminal. The
# links the site writes (feeds, emails, the fediverse) name the address served, unless
# DJANGO_SITE_URL is set in the environment or in .env.
run: migrate  ## Serve the blog at http://127.0.0.1:8000/ (PORT=8001 for another), with the email worker
	if [ -z "$${DJANGO_SITE_URL:-}" ] && ! grep -qs '^DJANGO_SITE_URL=' .env; then \
	  export DJANGO_SITE_URL=http://$(HOST):$(PORT); fi; \
	$(BIN)/python manage.py email_worker & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: export DJANGO_ENV_FILE ?=
worker: $(INSTALLED)  ## Send the site's emails (production: one or more beside `make serve`)
	$(BIN)/python manage.py email_worker

# Production: debug off and settings from the environment (README "Production").
# Set DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DJANGO_SITE_URL first. nginx
# (installed with apt-get if missing and root) caches pages in front of the app
# server, and the email worker sends what the site queues; deploy/stack.py
# starts and stops the three, with their files in run/.
# Production reads no .env: DJANGO_ENV_FILE names one if wanted (README).
serve: export DJANGO_ENV_FILE ?=
serve: $(INSTALLED)  ## Serve in production: nginx's cache in front of the app server (HOST, PORT; see README)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py collectstatic --noinput
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m deploy.stack

bench: $(TOOLS)  ## Load-test the production server (installs wrk with apt-get if missing)
	$(BIN)/python -m bench.bench
	$(BIN)/python -m bench.search

bench-search: $(INSTALLED)  ## Search on 1,000 articles through make serve: p95, and beside the article and nginx's copy
	$(BIN)/python -m bench.search

bench-wordpress: $(TOOLS)  ## Time and measure importing and exporting a 1,000-post WordPress blog
	$(BIN)/python -m bench.wordpress

bench-pictures: $(TOOLS)  ## A 24-megapixel upload, and importing a WordPress blog with 1,000 pictures
	$(BIN)/python -m bench.pictures

bench-email: $(TOOLS)  ## Emails per approval with 1, 10 and 100 followers, to a local SMTP server
	$(BIN)/python -m bench.email

bench-fediverse: $(TOOLS)  ## Deliveries per published article with 1, 100 and 1,000 followers
	$(BIN)/python -m bench.fediverse

bench-spam: $(TOOLS)  ## The learning spam filter on a public corpus: catch rates, time, size, rebuild
	$(BIN)/python -m bench.spam

# The whole suite on PostgreSQL with Redis; CI runs it after `make test`. Redis
# database 15 is emptied between tests: keep it for them.
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
test-postgres: export DJANGO_DEBUG ?= true
test-postgres: $(TOOLS)  ## The whole test suite on PostgreSQL, with Redis as the cache
	DATABASE_URL=$(POSTGRES_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest

lint: $(TOOLS)  ## Ruff, import direction between the apps, migrations up to date
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	git ls-files -z --cached --others --exclude-standard '*.py' | xargs -0 $(BIN)/django-upgrade --check --target-version 6.1
	$(BIN)/python manage.py makemigrations --check --dry-run

test: lint  ## Lint, then the whole test suite with branch coverage
	$(BIN)/pytest --cov --cov-report=term

format: $(TOOLS)  ## Fix what ruff can fix
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:  ## Remove the virtualenv, caches and collected static files
	rm -rf $(VENV) .pytest_cache .coverage htmlcov staticfiles .cache/e2e-npm e2e-screenshots test-results
