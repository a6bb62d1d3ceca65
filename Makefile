# Mohur — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
STATE ?= .mohur
DEBIAN_PACKAGES := libssl-dev libp11-kit-dev libsqlite3-dev softhsm2 p11-kit opensc openssl sqlite3
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

.PHONY: run test bench deps build release clean fuzz

## Install the Debian packages Mohur needs, if any are missing (root or sudo).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product mohur

## Build, create (or reuse) the embedded default state in $(STATE), print the hierarchy.
run: build
	$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)/mohur init --state $(STATE)

## Everything CI checks.
test: deps
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
