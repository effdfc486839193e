# The two commands of the quick start are `make run` and `make test`; each sets itself up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYBABEL := $(VENV)/bin/pybabel
STAMP := $(VENV)/.installed-stamp
PO := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: install font run chat test lint diagrams check bench i18n-extract i18n-update i18n-compile clean

install: $(STAMP) $(MO) font

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

## The CJK font application.pdf embeds: Debian's fonts-wqy-microhei, installed when missing and
## run as root (PDF_FONT_FILE names another font file instead).
font:
	scripts/ensure-font.sh

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(PYBABEL) compile -i $< -o $@ -l $* --statistics

## The main job: Telegram bot when TELEGRAM_BOT_TOKEN is set, the local chat otherwise.
run: install
	scripts/with-redis.sh $(PY) -m bot

## The local chat in the terminal, whatever the environment says.
chat: install
	scripts/with-redis.sh $(PY) -m bot chat

## The whole suite, against a private redis-server when REDIS_URL is unset; lint first.
test: install lint
	scripts/ensure-redis.sh
	$(PY) -m pytest -q

## The benchmarks (bench/README.md): prints the table, writes bench/results.json and
## bench/results.md; a private redis-server when REDIS_URL is unset. BENCH_ARGS=--quick for a
## smoke run (writes bench/results.local.json).
bench: install
	scripts/ensure-redis.sh
	$(PY) -m bench $(BENCH_ARGS)

## Validate settings, policy data and catalogs without starting anything.
check: install
	$(PY) -m bot check

lint: install
	$(VENV)/bin/ruff check bot flows storage tests
	$(VENV)/bin/ruff format --check --quiet bot flows storage tests
	$(VENV)/bin/mypy

## Regenerate the Mermaid diagrams of every flow into docs/flows/.
diagrams: install
	$(PY) -m bot diagrams docs/flows

i18n-extract: install
	$(PYBABEL) extract -F babel.cfg -k N_ -k _ --no-location --sort-output \
	  --project=sme-shanghai-bot -o locales/messages.pot bot flows

i18n-update: i18n-extract
	$(PYBABEL) update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete
	$(PY) -m bot.i18n_tools fill-en locales/en/LC_MESSAGES/messages.po

i18n-compile: install
	$(PYBABEL) compile -d locales -D messages

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache
