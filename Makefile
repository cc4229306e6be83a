# Two commands set up everything on a fresh machine (Python 3.11 + make):
#   make site   build the site from data/ into output/ (the first run downloads about 600 MB of packages)
#   make test   run the whole test suite, the browser tests included (installs Chromium on Debian as root)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DATA ?= data
OUTPUT ?= output
SITEURL ?=
PORT ?= 8000
export PYTHONPATH := $(CURDIR)/plugins
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: site publish test lint check accept template serve sample bench clean keygen signkey anonymize audit-report seal redact verify requirements browser translations

$(RUNTIME): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "需要 Python 3.11 或更高版本 / Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m warmth.site.charts
	@touch $@

$(DEV): $(RUNTIME) requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

## Build DATA (default data/) into OUTPUT (default output/); the old output stays if the build fails.
## OUTPUT must be empty or a site built here (its .warmth-build marker); builds into one OUTPUT take turns
## (WARMTH_BUILD_WAIT=<seconds> bounds the wait, default 600).
site: $(RUNTIME)
	$(PY) -m warmth build --data $(DATA) --output $(OUTPUT)

## Build for publication with absolute URLs: make publish SITEURL=https://example.org
publish: $(RUNTIME)
	WARMTH_SITEURL=$(SITEURL) $(PY) -m warmth build --data $(DATA) --output $(OUTPUT) --settings publishconf.py

# The browser the browser tests drive (tests/test_browser.py): Debian's Chromium. Playwright
# cannot download its own here; WARMTH_CHROMIUM=<path> uses another Chromium.
CHROMIUM ?= $(or $(WARMTH_CHROMIUM),/usr/bin/chromium)
export WARMTH_CHROMIUM := $(CHROMIUM)

## Make sure Chromium is there for the browser tests: installed with apt-get on Debian as root, else a message.
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && grep -qi '^ID=debian' /etc/os-release 2>/dev/null; then \
	  echo "安装 Chromium（浏览器测试用）/ installing Chromium for the browser tests"; \
	  apt-get update && apt-get install -y chromium; \
	else \
	  echo "未找到 Chromium 浏览器（$(CHROMIUM)），浏览器测试将跳过。请安装 Chromium（Debian/Ubuntu：sudo apt-get install chromium），或设置 WARMTH_CHROMIUM=<浏览器路径>。"; \
	  echo "Chromium not found at $(CHROMIUM): the browser tests will be skipped. Install it (Debian/Ubuntu: sudo apt-get install chromium) or set WARMTH_CHROMIUM=<path>."; \
	fi

## Lint and run every test (the browser tests need Chromium: see browser).
test: $(DEV) browser
	$(PY) -m ruff check plugins tests scripts pelicanconf.py publishconf.py
	$(PY) -m pytest

lint: $(DEV)
	$(PY) -m ruff check plugins tests scripts pelicanconf.py publishconf.py

# REPLACE=1 lets check and anonymize write over an existing REPORT, OUT or REJECTS file
# (never over a key file or a file the command reads; keygen never overwrites).
REPLACE ?=
REPLACING := $(if $(filter 1 yes true,$(REPLACE)), --replace)

## Check data without building: make check [DATA=…] [FILE=<one incoming file>] [REPORT=<file.xlsx|folder>] [REPLACE=1]
check: $(RUNTIME)
	$(PY) -m warmth check --data $(DATA)$(if $(FILE), --file "$(FILE)")$(if $(REPORT), --report "$(REPORT)")$(REPLACING)

## Check an incoming district file and put it in place as its destination's file for its round (the old one kept in data/history/):
## make accept FILE=<incoming file> [ROUND=<round id>] [DATA=…]
accept: $(RUNTIME)
	$(if $(FILE),,$(error 请指定收到的文件 FILE=… / give the incoming file: FILE=…))
	$(PY) -m warmth accept --data $(DATA) --file "$(FILE)"$(if $(ROUND), --round "$(ROUND)")

## Write the districts' blank template content/guide/template.xlsx from data/campaign.toml (commit it; the site publishes it at /guide/template.xlsx)
template: $(RUNTIME)
	$(PY) -m warmth.staff.template --data $(DATA) --out content/guide/template.xlsx

KEY ?=
## Create the campaign key once (never overwritten; keep a backup off this machine).
keygen: $(RUNTIME)
	$(PY) -m warmth keygen --key $(or $(KEY),campaign.key)

# The union's ledger signing key: SIGNKEY=… or $$WARMTH_SIGNKEY, else ledger-signing.key (make seal and make redact sign with it).
SIGNKEY ?=
SIGNING := $(if $(SIGNKEY), --signkey "$(SIGNKEY)")
## Create the union's ledger signing key once: the private key (never overwritten; keep it offline) and data/ledger-public-key.pem (commit it).
signkey: $(RUNTIME)
	$(PY) -m warmth signkey --data $(DATA) --key "$(or $(SIGNKEY),$(WARMTH_SIGNKEY),ledger-signing.key)"

## Real-name table → public records: make anonymize IN=private/汇总表.xlsx OUT=public/shawan.csv [REJECTS=private/rejects.csv] [REPLACE=1]
## (never into data/: check the result with make check FILE=…, then put it in place). The key: KEY=… or $$WARMTH_KEY_FILE, else campaign.key.
anonymize: $(RUNTIME)
	$(if $(IN),,$(error 请指定实名制汇总表 IN=… / give the real-name table: IN=…))
	$(if $(OUT),,$(error 请指定公开文件 OUT=…（.csv，不要放在 data/ 里）/ give the public file: OUT=…))
	$(PY) -m warmth anonymize $(if $(KEY),--key "$(KEY)",$(if $(WARMTH_KEY_FILE),,--key campaign.key)) --data $(DATA) --table "$(IN)" --out "$(OUT)" $(if $(REJECTS),--rejects "$(REJECTS)")$(REPLACING)

## The private audit report for the union's discipline office (recipient refs and record ids; never publish it):
## make audit-report OUT=private/核查报告.csv [REPLACE=1]
audit-report: $(RUNTIME)
	$(if $(OUT),,$(error 请指定报告文件 OUT=private/….csv / give the report file: OUT=private/….csv))
	$(PY) -m warmth audit-report --data $(DATA) --out "$(OUT)"$(if $(REPLACE), --replace)

## After publishing a round: make seal ROUND=2012-01 (archives it in data/sealed/ and appends to data/ledger.jsonl; commit both)
seal: $(RUNTIME)
	$(if $(ROUND),,$(error 请指定批次 ROUND=… / give the round: ROUND=…))
	$(PY) -m warmth seal --data $(DATA) --output $(OUTPUT) --round $(ROUND)$(SIGNING)

## After adding lines to data/redactions.csv that concern sealed rounds: make redact
## (builds with the pending redactions, rewrites data/sealed/ and appends to data/ledger.jsonl, builds again; commit both)
redact: $(RUNTIME)
	$(PY) -m warmth build --data $(DATA) --output $(OUTPUT) --pending-redactions
	$(PY) -m warmth redact --data $(DATA) --output $(OUTPUT)$(SIGNING)
	$(PY) -m warmth build --data $(DATA) --output $(OUTPUT)

## The auditor's check of a built site or a downloaded /data/ folder: make verify SITE=output
## [SINCE=<an earlier ledger.jsonl or head hash>] [PUBKEY=<the union's public key, from its notice>]
## (the standard library alone: any Python 3.9+, no virtual environment; the site's /data/verify.py is the same code)
SITE ?= $(OUTPUT)
SINCE ?=
PUBKEY ?=
verify:
	$(PYTHON) -m warmth.audit "$(SITE)"$(if $(SINCE), --since "$(SINCE)")$(if $(PUBKEY), --pubkey "$(PUBKEY)")

## Preview on http://127.0.0.1:$(PORT)/, rebuilding when data/, content/, theme/ or plugins/ change.
serve: $(RUNTIME)
	$(PY) -m warmth serve --data $(DATA) --output $(OUTPUT) --port $(PORT)

## Regenerate the embedded sample data (seeded: the same files every time).
sample: $(RUNTIME)
	$(PY) -m warmth sample --out $(DATA)

## Benchmark: 100k and 1M generated records (5M with BENCH_5M=1): cold, no-change and one-file-changed builds,
## peak memory, and a DuckDB floor on the same CSVs, side by side; writes docs/benchmarks.md.
bench: $(DEV)
	$(PY) scripts/bench.py

## Update the English catalog after changing template text: extract the Chinese msgids (theme and N_() in site/),
## merge them into theme/translations/en/LC_MESSAGES/messages.po; then fill the new empty msgstr lines.
translations: $(RUNTIME)
	mkdir -p .cache
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --no-wrap --omit-header -o .cache/messages.pot .
	$(VENV)/bin/pybabel update -i .cache/messages.pot -d theme/translations -l en --no-wrap --no-fuzzy-matching --ignore-obsolete

## Re-pin requirements.txt and requirements-dev.txt from the .in files (pip-tools, in its own venv).
requirements:
	$(PYTHON) -m venv .cache/pip-tools
	.cache/pip-tools/bin/pip install --quiet --disable-pip-version-check pip-tools==7.6.2
	for f in requirements requirements-dev; do \
	  .cache/pip-tools/bin/pip-compile --quiet --no-header --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
	    --output-file $$f.txt $$f.in && \
	  { echo "# Generated from $$f.in by pip-compile (pip-tools): make requirements. Do not edit by hand."; grep -v '^# Generated from' $$f.txt; } > $$f.txt.new && mv $$f.txt.new $$f.txt; \
	done

# what killed builds left beside OUTPUT (the next build removes it too)
OUTPUT_NAME := $(notdir $(patsubst %/,%,$(OUTPUT)))
OUTPUT_PARENT := $(dir $(patsubst %/,%,$(OUTPUT)))

clean:
	rm -rf $(OUTPUT) preview .cache bench $(OUTPUT_PARENT).$(OUTPUT_NAME).tmp-* $(OUTPUT_PARENT).$(OUTPUT_NAME).old-*
