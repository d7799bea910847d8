# Peken: `make run` starts the whole marketplace locally; `make test` checks everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
STAGE ?= dev
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider

export PYTHONDONTWRITEBYTECODE := 1
# Python playwright drives Debian's Chromium (below); it must never fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test lint types unit integration e2e web web-dist contract infra package deploy bench soak clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# checkov (infra tier) pins its own, older boto3 and networkx: it gets a virtualenv of its own,
# inside .venv so git ignores it, rebuilt when CHECKOV_VERSION changes. bc-jsonpath-ng, which it
# uses, rebuilds its parser tables on every path it parses (30 s per run on our template); the
# last but one line writes them once, where the library looks for them.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := $(VENV)/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

$(CHECKOV_STAMP): | $(STAMP)
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	$(CHECKOV_VENV)/bin/python -c 'import os, ply.yacc as y, bc_jsonpath_ng.parser as p, bc_jsonpath_ng.ext.parser as e; [y.yacc(module=parser(), start="jsonpath", tabmodule="parser_jsonpath_parsetab", outputdir=os.path.dirname(m.__file__), write_tables=1, debug=False, errorlog=y.NullLogger()) for m, parser in ((p, p.JsonPathParser), (e, e.ExtentedJsonPathParser))]'
	touch $@

# The contract check's tools (openapi-typescript, typescript, @redocly/cli): an npm project pinned
# by its package-lock.json, installed into tests/contract/node_modules once, and again only when
# package.json or the lock changes; npm's cache lets a reinstall run offline.
CONTRACT_DIR := tests/contract
CONTRACT_STAMP := $(CONTRACT_DIR)/node_modules/.installed-stamp
# Real response bodies `make e2e` records (a few per operation and status) for `make contract`.
RESPONSES := build/responses

$(CONTRACT_STAMP): $(CONTRACT_DIR)/package.json $(CONTRACT_DIR)/package-lock.json
	cd $(CONTRACT_DIR) && npm ci --prefer-offline --no-audit --no-fund --loglevel=error
	touch $@

# The web app (web/, README "Web app"): its npm packages pinned by web/package-lock.json, installed
# again only when the lock changes; its client types generated from the OpenAPI document, which is
# written again when the app's code changes; web/dist built again when any of that is newer.
WEB_DIR := web
WEB_STAMP := $(WEB_DIR)/node_modules/.installed-stamp
WEB_DIST := $(WEB_DIR)/dist/index.html
OPENAPI := build/openapi.json
APP_SOURCES := app.py $(shell find chalicelib -name '*.py') tests/contract/__main__.py tests/contract/document.py
WEB_SOURCES := $(shell find $(WEB_DIR) \( -path $(WEB_DIR)/node_modules -o -path $(WEB_DIR)/dist \) -prune \
	-o -type f ! -path $(WEB_DIR)/src/api/schema.d.ts ! -name '*.tsbuildinfo' -print 2>/dev/null)

$(WEB_STAMP): $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json
	cd $(WEB_DIR) && npm ci --prefer-offline --no-audit --no-fund --loglevel=error
	touch $@

$(OPENAPI): $(APP_SOURCES) | $(STAMP)
	$(BIN)/python -m tests.contract.document $@

$(WEB_DIST): $(WEB_STAMP) $(OPENAPI) $(WEB_SOURCES)
	cd $(WEB_DIR) && npm run build
	touch $@

# The browser tests and Lighthouse drive Debian's Chromium (a browser a test tool downloads
# itself does not run here); installed once, as root or through sudo.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

web-dist: $(WEB_DIST)

run: $(STAMP) $(WEB_DIST)
	exec $(BIN)/python -m infra.local.run

# The last three tiers are independent (contract reads what e2e recorded): they run side by side,
# each one's output kept together.
test: lint types unit integration e2e
	$(MAKE) --no-print-directory -j3 --output-sync=target web contract infra

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(PYTEST) tests/unit -q

integration: $(STAMP)
	$(PYTEST) tests/integration -q

# Every response is checked against the OpenAPI document (PEKEN_CONTRACT=report: only reported).
# Two workers, each with its own stack, a test file each at a time (most tests wait on queues
# and webhooks, so two share the two cores well); E2E_WORKERS=0 runs in one process.
E2E_WORKERS ?= 2
e2e: $(STAMP)
	rm -rf $(RESPONSES)
	PEKEN_RESPONSES_DIR=$(RESPONSES) $(PYTEST) tests/e2e -q -n $(E2E_WORKERS) --dist loadfile

# The web app in Chromium at a phone and a desktop size against a real local stack serving web/dist
# (tests/web; screenshots in build/web).
web: $(STAMP) $(CHROMIUM) $(WEB_DIST)
	$(PYTEST) tests/web -q

# The document linted, typed, and the e2e run's recorded responses type-checked (tests/contract).
contract: $(STAMP) $(CONTRACT_STAMP)
	$(BIN)/python -m tests.contract --responses $(RESPONSES)

infra: $(STAMP) $(CHECKOV_STAMP)
	PEKEN_CHECKOV=$(CHECKOV_VENV)/bin/checkov $(PYTEST) tests/infra -q

package: $(STAMP)
	$(BIN)/python -m infra.aws.validate $(STAGE) build/$(STAGE) --with-dependencies

deploy: package $(WEB_DIST)
	infra/aws/deploy.sh $(STAGE)

# Lighthouse for the web app's budgets (tests/bench/web.py): an npm project of its own, pinned by its lock.
LIGHTHOUSE_DIR := tests/bench/lighthouse
LIGHTHOUSE_STAMP := $(LIGHTHOUSE_DIR)/node_modules/.installed-stamp

$(LIGHTHOUSE_STAMP): $(LIGHTHOUSE_DIR)/package.json $(LIGHTHOUSE_DIR)/package-lock.json
	cd $(LIGHTHOUSE_DIR) && npm ci --prefer-offline --no-audit --no-fund --loglevel=error
	touch $@

bench: $(STAMP) $(CHROMIUM) $(WEB_DIST) $(LIGHTHOUSE_STAMP)
	$(BIN)/python -m tests.bench

# The long adversarial runs (README "Adversarial suite"): fuzzing with more examples per
# operation, then thousands of randomised soak operations; figures land in build/.
SOAK_OPERATIONS ?= $(or $(PEKEN_SOAK_OPERATIONS),1000)
FUZZ_EXAMPLES ?= 15
soak: $(STAMP)
	mkdir -p build
	PEKEN_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) PEKEN_FUZZ_REPORT=build/fuzz.json \
		$(PYTEST) tests/e2e/test_fuzz.py -q
	PEKEN_SOAK_OPERATIONS=$(SOAK_OPERATIONS) PEKEN_SOAK_REPORT=build/soak.json \
		$(PYTEST) tests/e2e/test_soak.py -q -s
	cat build/fuzz.json build/soak.json

clean:
	rm -rf build .mypy_cache .ruff_cache
