# The two commands of the README: `make demo` and `make test`.
# Everything they need is installed on first use (Python packages in a
# virtual environment, the web client from npm, Chromium from Debian).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SAO := .sao/package
SAO_STAMP := .sao/.installed
CHROMIUM := /usr/bin/chromium
DB_CACHE ?= $(CURDIR)/.cache/db
export DB_CACHE

PYTEST_ARGS ?=
PYTEST := $(PY) -m pytest -q -p no:cacheprovider \
	--doctest-glob='scenario_*.rst' \
	-o doctest_optionflags='ELLIPSIS IGNORE_EXCEPTION_DETAIL NORMALIZE_WHITESPACE'

.PHONY: demo test install sao chromium clean

$(STAMP): pyproject.toml requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt -e .
	touch $@

install: $(STAMP)

$(SAO_STAMP): scripts/install_sao.sh
	sh scripts/install_sao.sh .sao
	touch $@

sao: $(SAO_STAMP)

chromium: $(CHROMIUM)

$(CHROMIUM):
	sh scripts/install_chromium.sh

demo: install sao
	$(PY) scripts/demo.py

test: install sao chromium
	mkdir -p $(DB_CACHE)
	$(PYTEST) $(PYTEST_ARGS) egov_app_request/tests tests

clean:
	rm -rf $(VENV) .sao .demo .cache tests/artifacts
