# Two commands that bootstrap a fresh Debian machine: `make demo` and `make test`.
PY      := .venv/bin/python
STAMP   := .venv/.installed
APT_PKGS := python3-venv python3-dev build-essential libcdd-dev libgmp-dev
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup system-packages lint bench

demo: $(STAMP)
	$(PY) -m exactrelu demo
	$(PY) examples/certify_trained_network.py --quick

test: $(STAMP)
	$(PY) -m pytest -n 2 tests

setup: $(STAMP)

# Debian packages: installed only when one is missing (dpkg -s is quick).
system-packages:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

$(STAMP): pyproject.toml | system-packages
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,examples,plots,dev]'
	touch $(STAMP)

lint: $(STAMP)
	.venv/bin/ruff check exactrelu tests benchmarks examples

bench: $(STAMP)
	$(PY) benchmarks/patterns.py
