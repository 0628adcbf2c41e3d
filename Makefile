# qbdkit: two commands on a fresh machine.
#   make demo   set up .venv and run the bundled mAb demo on the embedded SQLite store
#   make test   set up .venv, make sure PostgreSQL runs, run every test (SQLite + PostgreSQL) and ruff

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

# Debian packages qbdkit needs beyond Python: CJK fonts embedded in PDF reports, WeasyPrint's
# pango/harfbuzz libraries, cairo (SVG figures → PNG for DOCX), pdftotext/pdftoppm (report
# tests), rsvg-convert (fast SVG → PNG for DOCX figures), Chromium (web screenshots). Installed with apt only when one is missing.
SYSDEPS ?= fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libcairo2 \
	librsvg2-bin fontconfig poppler-utils chromium

.PHONY: demo test lint postgres setup sysdeps bench clean

setup: sysdeps $(STAMP)

sysdeps:
	@missing=""; for p in $(SYSDEPS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo -n"; \
		echo "installing system packages:$$missing"; \
		apt="$$sudo apt-get -qq -o DPkg::Lock::Timeout=600"; \
		for i in 1 2 3 4 5 6 7 8 9 10; do $$apt update 2>/dev/null && break; sleep 10; done; \
		DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes $$apt install -y --no-install-recommends $$missing >/dev/null \
		|| { echo "could not install:$$missing (as root: apt-get install$$missing)"; exit 1; }; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

demo: setup
	$(VENV)/bin/qbdkit demo

postgres:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		echo "starting PostgreSQL"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
		for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

test: setup postgres lint
	QBDKIT_TEST_POSTGRES_URL=$(PG_URL) $(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	for b in benchmarks/[a-z]*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) qbdkit-demo .pytest_cache
