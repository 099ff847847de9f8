# HoistWatch: the two commands are `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
SWIFT ?= swift
DEB_PACKAGES := mosquitto mosquitto-clients libmosquitto-dev libsqlite3-dev sqlite3 libgpiod-dev gpiod openssl pkg-config python3 libssl-dev time tmux
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build test demo bench clean

## deps: install the Debian packages the build, tests and demo use (only those missing).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# Debian starts a system-wide broker on 1883 when mosquitto is installed; the tests and demo start their own.

build: deps
	$(SWIFT) build

## test: the whole suite (unit, scenario library, integration against a real mosquitto on loopback).
# Two runs: the CPU-heavy pure suites (scenario library, property tests) would otherwise hold every thread of
# Swift's cooperative pool (2 on a 2-core board or CI runner) and starve the timing-sensitive broker tests.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip HoistWatchAgentTests
	$(SWIFT) test --skip-build --filter HoistWatchAgentTests

## demo: the agent on a simulated elevator, publishing to a real Mosquitto on loopback, alerts shown live.
demo: deps
	$(SWIFT) build -c release --product hoistwatch
	./scripts/demo.sh

## bench: replay throughput and RSS on a simulated busy day, plus the agent figures (release build).
bench: deps
	@# SwiftPM builds only the last of several --product options: one build per product.
	$(SWIFT) build -c release --product hoistwatch
	$(SWIFT) build -c release --product hoistwatch-bench
	./scripts/bench.sh

clean:
	rm -rf .build bench-out demo-state
