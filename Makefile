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
NGINX := /usr/sbin/nginx
# Tryton's test database cache does not notice module changes: key it by the
# module's sources, so that a change gets a fresh cache.
SOURCES_HASH := $(shell cat egov_app_request/*.py egov_app_request/*.xml \
	egov_app_request/*/*.xml egov_app_request/tryton.cfg \
	egov_app_request/locale/*.po egov_app_request/tests/*.py 2>/dev/null \
	| sha1sum | cut -c1-12)
DB_CACHE ?= $(CURDIR)/.cache/db-$(SOURCES_HASH)
export DB_CACHE

PYTEST_ARGS ?=
PYTEST := $(PY) -m pytest -q -p no:cacheprovider \
	--doctest-glob='scenario_*.rst' \
	-o doctest_optionflags='ELLIPSIS IGNORE_EXCEPTION_DETAIL NORMALIZE_WHITESPACE'

.PHONY: demo test install sao chromium nginx clean prod-check backup-drill

$(STAMP): pyproject.toml requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt -e .
	touch $@

install: $(STAMP)

# The product's corrections to the client and its Indonesian catalogue
# (sao/) are installed with it: a change of them reinstalls it.
$(SAO_STAMP): scripts/install_sao.sh scripts/sao_locale.py \
		$(wildcard sao/custom.*) $(wildcard sao/locale/*.po)
	PYTHON=$(PYTHON) sh scripts/install_sao.sh .sao
	touch $@

sao: $(SAO_STAMP)

chromium: $(CHROMIUM)

$(CHROMIUM):
	sh scripts/install_chromium.sh

# The reverse proxy of the production stack (deploy/nginx/egov.conf).
nginx: $(NGINX)

$(NGINX):
	sh scripts/install_nginx.sh

demo: install sao
	$(PY) scripts/demo.py $(DEMO_ARGS)

test: install sao chromium nginx
	case "$(DB_CACHE)" in postgresql*) ;; *) mkdir -p "$(DB_CACHE)" ;; esac
	$(PYTEST) --durations=25 $(PYTEST_ARGS) egov_app_request/tests tests

# The production stack on this machine (README, Production): PostgreSQL,
# gunicorn, one trytond-cron, one trytond-worker, an SMTP sink; smoke test,
# 30 s of mixed load, cron and e-mail checked, everything stopped (~1.5 min).
prod-check: install sao nginx
	$(PY) scripts/prod_stack.py check $(PROD_ARGS)

# Backup while transitions run, restore into a fresh database, prove it.
backup-drill: install sao
	$(PY) scripts/backup_drill.py $(DRILL_ARGS)

clean:
	rm -rf $(VENV) .sao .demo .cache .prod tests/artifacts
