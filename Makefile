# HoistWatch: the two commands are `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
SWIFT ?= swift
# gdb: the stacks of a test pass that hangs (scripts/test-pass.sh).
DEB_PACKAGES := mosquitto mosquitto-clients libmosquitto-dev libsqlite3-dev sqlite3 libgpiod-dev gpiod openssl pkg-config python3 libssl-dev libzstd-dev zstd time tmux gdb \
	python3-jsonschema python3-yaml libfuse3-dev fuse3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build test demo bench clean lint format contract fuzz

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

## test: the whole suite (unit, scenario library, integration against a real mosquitto on loopback), in three
## `swift test` processes one after the other (scripts/test-passes.sh): the suites whose waits are bounded by the wall
## clock (a broker, the agent as a child process), then the whole agent on a paced GPIO board alone, then all other
## suites, so that the broker tests never wait for a cooperative-pool thread behind the computing suites. No outbox write (fsync) runs on Swift's cooperative pool
## (the outbox's writer thread), and the link, status and diag timers run on an injected clock. Each pass has a time
## limit (scripts/test-pass.sh): a hung test fails the run with its stacks, not at CI's limit.
## Then the board tests once more against the real libgpiod 2.2 of Debian trixie beside bookworm's 1.6
## (`test-gpiod2`: about 20 s more; it fetches trixie's libgpiod3 and libgpiod-dev once).
## The contract (docs/asyncapi.yaml, docs/schemas): `make contract` first, then every message the broker tests' agents
## publish and every event of the scenario library is saved (CONTRACT_SAMPLES) and validated against the schemas.
## The storage tests' failing card (scripts/faultyfs.c, a FUSE pass-through that answers EIO on request) is built
## first and named in HOISTWATCH_FAULTYFS, so those tests must run.
## Last, the part of the board VM that fits here (`test-board-vm`: a few minutes, README "Board VM").
CONTRACT_SAMPLES := .build/contract-samples
FAULTYFS := .build/tools/faultyfs
test: deps contract $(FAULTYFS)
	$(SWIFT) build --build-tests
	rm -rf $(CONTRACT_SAMPLES)
	HOISTWATCH_FAULTYFS=$(abspath $(FAULTYFS)) HOISTWATCH_CONTRACT_SAMPLES=$(abspath $(CONTRACT_SAMPLES)) \
	  SWIFT=$(SWIFT) ./scripts/test-passes.sh
	python3 scripts/contract.py validate $(CONTRACT_SAMPLES) --require event status:birth status:periodic status:will record
	$(MAKE) --no-print-directory test-gpiod2
	$(MAKE) --no-print-directory test-board-vm

$(FAULTYFS): scripts/faultyfs.c | deps
	mkdir -p $(dir $@)
	cc -O2 -Wall -Wextra -o $@ $< $$(pkg-config --cflags --libs fuse3)

## soak-storage: the full-card test of `make test` (StorageFaultAgentTests) with the card kept full for
## FULL_CARD_S seconds (600: the issue's 10 minutes of alarms) instead of 15: alarms from memory within 1 s, RSS
## under its cap throughout, everything stored and sent once space is back. About 12 min; not part of `make test`.
FULL_CARD_S ?= 600
.PHONY: soak-storage
soak-storage: deps
	$(SWIFT) build --build-tests
	HOISTWATCH_FULL_CARD_S=$(FULL_CARD_S) $(SWIFT) test --skip-build \
	  --filter 'StorageFaultAgentTests.aFullCardStillDeliversAlarmsAndRecoversByItself'

## contract: the schemas are valid draft 2020-12 and agree with docs/asyncapi.yaml and with each other, they refuse
## known-bad payloads, docs/asyncapi.yaml is valid against the official AsyncAPI 3.0.0 and MQTT binding schemas
## (docs/vendor/asyncapi; no network) and known-bad AsyncAPI documents are refused, and the README's MQTT tables are
## the ones generated from them (`python3 scripts/contract.py readme --write` regenerates the tables after a schema
## change).
contract: deps
	python3 scripts/contract.py selfcheck
	python3 scripts/contract.py readme

# Every Swift file of the package and of the fuzz package (Fuzz/: linted for layout here, compiled by `make fuzz`
# only), as `make format` rewrites and `make lint` checks them (.swift-format;
# docs/formatting.md says how it differs from swift-nio's and why).
SWIFT_FORMAT_PATHS := Package.swift Sources Tests Benchmarks Fuzz/Package.swift Fuzz/Sources

## lint: swift-format's findings (any one fails), then everything (tests and benchmarks too) built with warnings as
## errors, in its own scratch folder (.build-lint) so that the everyday .build is not rebuilt. Both always run.
lint: deps
	status=0; \
	$(SWIFT) format lint --strict --recursive --parallel --configuration .swift-format $(SWIFT_FORMAT_PATHS) || status=1; \
	$(SWIFT) build --build-tests --scratch-path .build-lint -Xswiftc -warnings-as-errors || status=1; \
	exit $$status

## format: rewrites every Swift file in place to .swift-format's layout: what `make lint` checks, but for the missing
## `///` docs, which only a person can write. It touches most files: run it with nothing uncommitted, in a commit of
## its own.
format:
	$(SWIFT) format format --in-place --recursive --parallel --configuration .swift-format $(SWIFT_FORMAT_PATHS)

## demo: the agent on a simulated elevator, publishing to a real Mosquitto on loopback, alerts shown live.
demo: deps
	$(SWIFT) build -c release --product hoistwatch
	./scripts/demo.sh

## bench: replay throughput and RSS on a simulated busy day, the link and agent figures, the GPIO backend, then what a
## board costs in the field (bench-costs), then a fleet of FLEET_BOARDS boards (bench-fleet) (release build).
bench: deps
	@# SwiftPM builds only the last of several --product options: one build per product. The agent is linked
	@# as `make deb` ships it (Swift runtime static), so its RSS is the deployed one.
	$(SWIFT) build -c release --static-swift-stdlib --product hoistwatch
	$(SWIFT) build -c release --product hoistwatch-bench
	$(SWIFT) build -c release --product hoistwatch-gpio-bench
	$(SWIFT) build -c release --product hoistwatch-fleet-bench
	./scripts/bench.sh
	./scripts/bench-costs.sh
	$(FLEET_BENCH)

## bench-costs: only what a board costs in the field (issue 16): bytes on the wire, storage writes, wake-ups and CPU
## of the agent over TLS, idle, in busy service and under a stream of alarms (scripts/bench-costs.sh; ~14 min).
.PHONY: bench-costs
bench-costs: deps
	$(SWIFT) build -c release --static-swift-stdlib --product hoistwatch
	./scripts/bench-costs.sh

clean:
	rm -rf .build .build-lint .build-arm64 .build-arm64-deb .build-fuzz bench-out demo-state Fuzz/corpus-new Fuzz/findings

## fuzz: every parser that reads what others write, under libFuzzer with AddressSanitizer (README.md "Fuzzing"):
## the trace reader, calibration files, site config, board profiles, scenario files, the diag snapshot. Builds the
## fuzz package (Fuzz/Package.swift: its own package, so `swift build` and `make test` never build it) in its own
## scratch folder, then runs each target for FUZZ_SECONDS from the committed seeds (Fuzz/corpus/<target>/); what
## it finds goes to Fuzz/corpus-new/ (ignored), crashes to Fuzz/findings/. FUZZ_TARGETS picks fewer. Not part of
## `make test`: an hour with the default 600 s each.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= trace calibration site-config board-profile scenario diag
FUZZ_SCRATCH := .build-fuzz
# swiftc keeps only the last -sanitize= it is given (SwiftPM passes one per --sanitize): the -Xswiftc one, last, gives
# the Swift code both; the C and C++ (TOMLKit's toml++) get both from --sanitize.
fuzz: deps
	cd Fuzz && $(SWIFT) build -c release --scratch-path ../$(FUZZ_SCRATCH) --sanitize=fuzzer --sanitize=address \
	  -Xswiftc -sanitize=fuzzer,address
	FUZZ_BIN=$(FUZZ_SCRATCH)/release FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh $(FUZZ_TARGETS)

## test-gpiod2: the GPIO wrapper against the real libgpiod of each API: bookworm's 1.6 (this machine's libgpiod2 and
## libgpiod-dev) and trixie's 2.2 (libgpiod3 and libgpiod-dev fetched into .build-roots/gpiod2 by
## scripts/gpiod2-roots.sh, with an apt configuration of its own). The ABI check holds shim.h to both real
## headers; the same test binary then loads both real libraries (HOISTWATCH_EXPECT_GPIOD=1,2: neither may be
## missing) and runs the board tests (fake v1 and v2, GpiodSystemTests on real v1 and v2). About 20 s after a
## build; `make test` runs it after the suite.
.PHONY: test-gpiod2
GPIOD2_ROOTS ?= .build-roots/gpiod2
test-gpiod2: deps
	prefix=$$(./scripts/gpiod2-roots.sh $(GPIOD2_ROOTS)) && ./scripts/gpiod-abi-check.sh "$$prefix" && \
	$(SWIFT) build --build-tests && \
	LD_LIBRARY_PATH="$$(dirname "$$(ls "$$prefix"/usr/lib/*/libgpiod.so.3)")" HOISTWATCH_EXPECT_GPIOD=1,2 \
	  $(SWIFT) test --skip-build --filter 'HoistWatchBoardTests'

## test-gpiod2-trixie: the same test binary inside a debootstrap'ed Debian trixie root (minbase, libgpiod3 and what
## the tests link, in .build-roots/trixie-amd64) with only libgpiod 2.2 there: one build serves bookworm and
## trixie. Needs root; about 2 minutes the first time (debootstrap), seconds after. Not part of `make test`.
.PHONY: test-gpiod2-trixie
TRIXIE_ROOT ?= .build-roots/trixie-amd64
test-gpiod2-trixie: deps
	$(SWIFT) build --build-tests
	$(SUDO) ./scripts/gpiod2-trixie-chroot.sh $(TRIXIE_ROOT)

## deb: the Debian package for DIST (bookworm or trixie) and ARCH (amd64 or arm64), by default this machine's, in
## dist/hoistwatch_<version>~<dist>_<arch>.deb (packaging/README.md). The binary is a release build with the Swift
## runtime linked in, linked against bookworm's C libraries, so one binary per architecture serves both releases;
## another architecture is cross-built in a Debian sid root with sid's swiftlang (packaging/make-deb.sh). Roots,
## sysroots and SDKs go to ROOTS; DEB_SCRATCH picks the build folder of a native build.
.PHONY: deb
HOST_DIST := $(shell . /etc/os-release && echo $$VERSION_CODENAME)
HOST_ARCH := $(shell dpkg --print-architecture)
DIST ?= $(HOST_DIST)
ARCH ?= $(HOST_ARCH)
ROOTS ?= .build-roots/packaging
DEB_TOOL_PACKAGES := dpkg-dev binutils
CROSS_TOOL_PACKAGES := debootstrap qemu-user-static binfmt-support debian-archive-keyring
DEB_SCRATCH ?= .build
DEB_VERSION ?= $(shell sed -n 's/.*static let current = "\(.*\)"/\1/p' Sources/hoistwatch/HoistWatchCommand.swift)-1
DEB_FILE = dist/hoistwatch_$(DEB_VERSION)~$(1)_$(2).deb
# Debian's hardening defaults for what this build compiles (C and C++ of the packages; the Swift runtime comes
# prebuilt): resolve every symbol at load so the relocations can be made read-only, fortified libc calls.
DEB_HARDENING := -Xlinker -z -Xlinker now -Xcc -D_FORTIFY_SOURCE=2 -Xcxx -D_FORTIFY_SOURCE=2
# install-missing PACKAGES: apt-get install those of PACKAGES not installed.
define install-missing
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef
# A package for another release or architecture is made in Debian roots: root's work (debootstrap, chroot).
DEB_IN_ROOTS = $(filter-out $(HOST_DIST)-$(HOST_ARCH),$(DIST)-$(ARCH))
deb: deps
	$(call install-missing,$(DEB_TOOL_PACKAGES) $(if $(DEB_IN_ROOTS),$(CROSS_TOOL_PACKAGES)))
	$(if $(DEB_IN_ROOTS),$(SUDO)) env SWIFT=$(SWIFT) DEB_VERSION=$(DEB_VERSION) DEB_HARDENING="$(DEB_HARDENING)" DEB_SCRATCH=$(DEB_SCRATCH) \
	  ROOTS=$(ROOTS) packaging/make-deb.sh $(DIST) $(ARCH)

## verify-debs: the acceptance check of every package: for each of bookworm and trixie, amd64 and arm64, `make deb`,
## lintian (clean but for the justified overrides), then in a fresh debootstrap root of that release and
## architecture (arm64 under qemu-user-static): `apt install ./<deb>`, `hoistwatch --version`, and `hoistwatch check`
## of a site with board = "raspberry-pi-5" reporting the missing GPIO chip by its label (packaging/verify-debs.sh).
## VERIFY_DEBS="bookworm-arm64 ..." picks fewer. Needs root and the Debian mirror.
.PHONY: verify-debs
VERIFY_DEBS ?= bookworm-amd64 trixie-amd64 bookworm-arm64 trixie-arm64
verify-debs:
	$(call install-missing,lintian $(CROSS_TOOL_PACKAGES))
	@for t in $(VERIFY_DEBS); do $(MAKE) --no-print-directory deb DIST=$${t%-*} ARCH=$${t#*-} || exit 1; done
	$(SUDO) env ROOTS=$(ROOTS) packaging/verify-debs.sh $(foreach t,$(VERIFY_DEBS),$(call DEB_FILE,$(firstword $(subst -, ,$(t))),$(lastword $(subst -, ,$(t)))))

## verify-arm64: the pure suites (Core, Files, Config, Simulator, Board) and the agent suites (real Mosquitto, real
## SQLite; the hoistwatch processes) built for arm64 (cross, as `make deb ARCH=arm64`) and run under
## qemu-user-static in a Debian sid arm64 root (packaging/verify-arm64.sh). Its own target, not part of `make test`:
## well over 40 minutes on 2 cores, which does not fit CI's 90 minutes beside it; tests with time limits made for
## native speed fail under emulation (packaging/README.md says which).
.PHONY: verify-arm64
verify-arm64: deps
	$(call install-missing,$(CROSS_TOOL_PACKAGES))
	$(SUDO) env ROOTS=$(ROOTS) packaging/verify-arm64.sh

## board-vm: the agent on a real kernel: a Debian trixie VM per BOARD_VM_ARCH under QEMU's TCG (one vCPU), gpio-sim
## lines (the module built from Debian's kernel source), the package of `make deb DIST=trixie`, a broker on the host
## reached through a guestfwd; the tests of vm/guest/tests print PASS or FAIL (vm/board-vm.sh), then BOARD_VM_CUTS
## real power cuts (vm/power-cuts.sh: QEMU killed with SIGKILL, booted again from the same disk). README "Board VM".
## Needs root and the Debian mirror; the roots and images are kept in VM_WORK (default .build-roots/vm).
.PHONY: board-vm board-vm-bookworm board-vm-quick
BOARD_VM_ARCH ?= arm64 amd64
BOARD_VM_CUTS ?= 20
VM_WORK ?= .build-roots/vm
VM_TOOL_PACKAGES := $(CROSS_TOOL_PACKAGES) qemu-system-x86 qemu-system-arm e2fsprogs mosquitto mosquitto-clients sqlite3
board-vm:
	$(call install-missing,$(VM_TOOL_PACKAGES))
	@for a in $(BOARD_VM_ARCH); do $(MAKE) --no-print-directory deb DIST=trixie ARCH=$$a || exit 1; \
	  $(SUDO) env VM_WORK=$(VM_WORK) vm/board-vm.sh $$a $(call DEB_FILE,trixie,$$a) || exit 1; \
	  $(SUDO) env VM_WORK=$(VM_WORK) vm/power-cuts.sh $$a $(call DEB_FILE,trixie,$$a) $(BOARD_VM_CUTS) || exit 1; done

## board-vm-bookworm: the same tests on an amd64 bookworm guest: kernel 6.1, gpio-sim from linux-source-6.1,
## libgpiod 1, the package of `make deb DIST=bookworm ARCH=amd64` (VM_DIST=bookworm).
board-vm-bookworm:
	$(call install-missing,$(VM_TOOL_PACKAGES))
	$(MAKE) --no-print-directory deb DIST=bookworm ARCH=amd64
	$(SUDO) env VM_WORK=$(VM_WORK) VM_DIST=bookworm vm/board-vm.sh amd64 $(call DEB_FILE,bookworm,amd64)

## board-vm-quick: the part for CI: the amd64 trixie guest, the sim-lines, check and door-open tests (one scenario),
## then 3 power cuts. Not in `make test` (README "Board VM" has its times, from nothing and with the cache).
BOARD_VM_QUICK_TESTS ?= t10,t20,t30
board-vm-quick:
	$(call install-missing,$(VM_TOOL_PACKAGES))
	$(MAKE) --no-print-directory deb DIST=trixie ARCH=amd64
	$(SUDO) env VM_WORK=$(VM_WORK) BOARD_VM_TESTS=$(BOARD_VM_QUICK_TESTS) vm/board-vm.sh amd64 $(call DEB_FILE,trixie,amd64)
	$(SUDO) env VM_WORK=$(VM_WORK) vm/power-cuts.sh amd64 $(call DEB_FILE,trixie,amd64) 3

## test-board-vm: the part of the board VM in `make test` (vm/ci-vm.sh): the agent `make test` built
## (.build/debug/hoistwatch), in an amd64 VM under QEMU's TCG whose root is this machine's own over 9p (read-only),
## with bookworm's kernel (apt-get download, unpacked, not installed) and gpio-sim.ko built against its
## linux-headers (installed if missing); the sim lines, `check`, door open while moving at a broker on the host
## (libgpiod 2.2 of `test-gpiod2`), then CI_VM_CUTS (3) real power cuts (libgpiod 1.6) judged as vm/power-cuts.sh
## judges them. PASS/FAIL lines, then RESULT.
## The kernel, module and initramfs are kept in VM_WORK/ci-bookworm-amd64 (about 3 min with them, 4 without).
CI_VM_PACKAGES := qemu-system-x86 busybox-static cpio kmod e2fsprogs gcc make mosquitto mosquitto-clients sqlite3 python3
CI_VM_CUTS ?= 3
.PHONY: test-board-vm
test-board-vm: deps
	$(call install-missing,$(CI_VM_PACKAGES))
	$(SWIFT) build --product hoistwatch
	prefix=$$(./scripts/gpiod2-roots.sh $(GPIOD2_ROOTS)) && \
	env VM_WORK=$(VM_WORK) CI_VM_CUTS=$(CI_VM_CUTS) \
	  CI_VM_SCENARIO_LIBS="$$(dirname "$$(ls "$$prefix"/usr/lib/*/libgpiod.so.3)")" vm/ci-vm.sh .build/debug/hoistwatch

## verify-systemd: the package under a real systemd: a debootstrap'ed bookworm root booted with systemd-nspawn,
## install, start, watchdog, sandbox, upgrade, stop, purge (packaging/README.md). Needs root and the Debian mirror;
## a few minutes. Not part of `make test`.
.PHONY: verify-systemd
VERIFY_TOOL_PACKAGES := debootstrap systemd-container
verify-systemd: deb
	$(call install-missing,$(VERIFY_TOOL_PACKAGES))
	$(SUDO) packaging/verify-systemd.sh $(call DEB_FILE,$(DIST),$(ARCH))

## test-rabbitmq: the agent and `hoistwatch listen` against RabbitMQ's MQTT plugin (Debian's rabbitmq-server 3.10,
## installed if missing): a node of its own started on loopback only (MQTT, AMQP, distribution and its own epmd on
## 127.0.0.1; scripts/rabbitmq-broker.sh), RabbitMQCompatibilityTests against it, the messages they received
## validated against the contract's schemas, the node stopped. About a minute. Not part of `make test`. On a machine
## with systemd, installing the package also starts Debian's own service (all interfaces, port 5672): this target
## does not use it (`systemctl disable --now rabbitmq-server` stops it).
.PHONY: test-rabbitmq
RABBITMQ_STATE ?= .build/rabbitmq
test-rabbitmq: deps contract
	$(call install-missing,rabbitmq-server)
	$(SWIFT) build --build-tests
	rm -rf $(RABBITMQ_STATE) $(CONTRACT_SAMPLES)-rabbitmq
	port=$$(./scripts/rabbitmq-broker.sh start $(RABBITMQ_STATE)) || exit 1; \
	HOISTWATCH_RABBITMQ_PORT=$$port HOISTWATCH_CONTRACT_SAMPLES=$(abspath $(CONTRACT_SAMPLES))-rabbitmq \
	  $(SWIFT) test --skip-build --filter RabbitMQCompatibilityTests; status=$$?; \
	./scripts/rabbitmq-broker.sh stop $(RABBITMQ_STATE); \
	[ $$status = 0 ] && python3 scripts/contract.py validate $(CONTRACT_SAMPLES)-rabbitmq \
	  --require event status:birth status:will record

## bench-fleet: FLEET_BOARDS simulated boards in one process (the agent's real outbox and link each, their connections
## on FLEET_LOOPS network loops: one ppoll(2) thread each) against a mosquitto on loopback, the broker restarted
## under them (Benchmarks/hoistwatch-fleet-bench; README "Benchmarks"; the last step of `make bench`, about 2 minutes
## at 2,000). Each board holds about 6 descriptors (socket, libmosquitto's socket pair, SQLite database, WAL, shm):
## the bench raises RLIMIT_NOFILE to the hard limit (and the hard limit where it may), the broker inherits it; with
## this machine's hard limit of 20,000 one process stops at about 3,300 boards.
.PHONY: bench-fleet
FLEET_BOARDS ?= 2000
FLEET_LOOPS ?= 1
bench-fleet: deps
	$(SWIFT) build -c release --product hoistwatch-fleet-bench
	$(FLEET_BENCH)

FLEET_BENCH = mkdir -p bench-out && set -o pipefail && .build/release/hoistwatch-fleet-bench --boards $(FLEET_BOARDS) \
	  --loops $(FLEET_LOOPS) --events 5 --outage-s 5 | tee bench-out/fleet.txt

## bench-gpio-idle: an idle GPIO board's wake-ups per second and CPU: the detection loop over a real GpioBoard on the
## fake libgpiod, paced by the real clock, without and with the bit-banged HX711 (Benchmarks/hoistwatch-gpio-idle-bench;
## README "What a board costs in the field").
.PHONY: bench-gpio-idle
bench-gpio-idle: deps
	$(SWIFT) build -c release --product hoistwatch-gpio-idle-bench
	.build/release/hoistwatch-gpio-idle-bench --seconds 30
	.build/release/hoistwatch-gpio-idle-bench --seconds 30 --hx711
