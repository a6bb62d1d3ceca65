# Mohur — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
STATE ?= .mohur
DEBIAN_PACKAGES := libssl-dev libp11-kit-dev libsqlite3-dev softhsm2 p11-kit opensc openssl sqlite3 curl python3 python3-venv
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

.PHONY: run test bench deps judges build release clean fuzz

## Install the Debian packages Mohur needs, if any are missing (root or sudo).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## Independent judges the tests call: an RFC 9421 implementation that shares no code with Mohur
## (PyPI http-message-signatures, with requests), in a virtual environment under .build.
JUDGES := .build/judges
judges: deps
	@$(JUDGES)/bin/python -c "import http_message_signatures, requests" 2>/dev/null || { \
	  python3 -m venv $(JUDGES) && $(JUDGES)/bin/pip install -q --disable-pip-version-check "http-message-signatures==3.0.0" requests; }

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product mohur

## Build, create (or reuse) the embedded default state in $(STATE), print the hierarchy.
run: build
	$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)/mohur init --state $(STATE)

## Everything CI checks.
test: deps judges
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Benchmarks: ratios against raw OpenSSL / PKCS#11 rates measured in the same run.
bench: deps
	$(SWIFT) build -c release --product mohur-bench
	$$($(SWIFT) build -c release --show-bin-path)/mohur-bench

release: deps
	$(SWIFT) build -c release --product mohur

clean:
	rm -rf .build
