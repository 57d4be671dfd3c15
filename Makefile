# make run | make demo | make test | make bench
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
DEMO_DB := data/demo.db
# The demo edits its own copy of the curriculum, so a studio save in the demo never changes
# the tracked content/ folder. Delete it (with data/demo.db) to start the demo afresh.
DEMO_CONTENT ?= data/demo-content

OIDC_DIR := tests/oidc
OIDC_STAMP := $(OIDC_DIR)/node_modules/.installed

.PHONY: run demo demo-content test lint bench bench-quick browser postgres nginx oidc-provider clean

$(VENV)/bin/python:
	python3 -m venv $(VENV) || { echo "ERROR: could not create $(VENV) (is python3-venv installed?)"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

run: $(RUNTIME_STAMP)
	$(PY) -m store init
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

demo-content:
	@if [ ! -d $(DEMO_CONTENT) ]; then \
		mkdir -p $(dir $(DEMO_CONTENT)) && cp -R content $(DEMO_CONTENT) \
		&& echo "Copied content/ to $(DEMO_CONTENT) for the demo to edit."; \
	fi

demo: $(RUNTIME_STAMP) demo-content
	@if [ ! -f $(DEMO_DB) ]; then \
		TRAINING_DATABASE_URL=sqlite:///$(DEMO_DB) $(PY) -m store seed-demo --staff 40 --teams 4 --attempts 400 --seed 1 --content-dir $(DEMO_CONTENT); \
	else \
		TRAINING_DATABASE_URL=sqlite:///$(DEMO_DB) $(PY) -m store demo-logins; \
	fi
	TRAINING_DATABASE_URL=sqlite:///$(DEMO_DB) TRAINING_CONTENT_DIR=$(DEMO_CONTENT) TRAINING_DEMO=1 $(VENV)/bin/streamlit run app.py --server.port $(PORT)

# Debian's chromium drives the browser journeys; install it when missing and we are root.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "Installing Debian's chromium for the browser tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
			|| { echo "ERROR: apt-get could not install chromium"; exit 1; }; \
		else \
			echo "ERROR: chromium is missing; install Debian's chromium package (sudo apt-get install chromium)"; exit 1; \
		fi; \
	fi
	@command -v chromium >/dev/null || { echo "ERROR: chromium still missing"; exit 1; }

# Debian's postgresql server binaries run a throwaway cluster for the PostgreSQL half of the suite.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "Installing Debian's postgresql for the PostgreSQL tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
			|| { echo "ERROR: apt-get could not install postgresql"; exit 1; }; \
		else \
			echo "ERROR: PostgreSQL server binaries are missing; install Debian's postgresql package"; exit 1; \
		fi; \
	fi
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "ERROR: initdb still missing"; exit 1; }

# Debian's nginx fronts two server processes in the load part of the benchmark.
nginx:
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "Installing Debian's nginx for the load benchmark..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null \
			|| { echo "ERROR: apt-get could not install nginx"; exit 1; }; \
		else \
			echo "ERROR: nginx is missing; install Debian's nginx package (sudo apt-get install nginx)"; exit 1; \
		fi; \
	fi
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { echo "ERROR: nginx still missing"; exit 1; }

# The single sign-on tests run a real OpenID provider: the `oidc-provider` package from the npm
# registry, at the exact version in tests/oidc/package-lock.json, in tests/oidc/node_modules.
oidc-provider: $(OIDC_STAMP)

$(OIDC_STAMP): $(OIDC_DIR)/package.json $(OIDC_DIR)/package-lock.json
	@command -v node >/dev/null 2>&1 || { echo "ERROR: node is missing; the single sign-on tests need Node.js 20.19+ (Debian: apt-get install nodejs npm)"; exit 1; }
	@command -v npm >/dev/null 2>&1 || { echo "ERROR: npm is missing; the single sign-on tests need it (Debian: apt-get install npm)"; exit 1; }
	cd $(OIDC_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: $(DEV_STAMP) browser postgres oidc-provider lint
	$(PY) -m training validate content/
	$(PY) -m training lint --strict content/
	$(PY) -m pytest

# Every part on SQLite and PostgreSQL at full scale, the 20,000-staff organisation and the load
# test (about 50 minutes on 2 cores; bounded by each part's own limits). bench-quick: about 20.
# Every part runs even when an earlier one misses a target; make then fails, naming which.
bench: $(DEV_STAMP) browser postgres nginx
	@main=0; observations=0; \
	$(PY) -m bench || main=$$?; \
	$(PY) -m bench.observations || observations=$$?; \
	if [ $$main -ne 0 ] || [ $$observations -ne 0 ]; then \
		echo "ERROR: a target was missed or a part failed (python -m bench: exit $$main," \
			"python -m bench.observations: exit $$observations); see bench/RESULTS.md"; exit 1; \
	fi

bench-quick: $(DEV_STAMP) browser postgres nginx
	$(PY) -m bench --quick
	$(PY) -m bench.observations --small

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
