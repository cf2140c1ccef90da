# Safeguard Companion. `make run` starts the app; `make test` runs every check.
# Both install what a fresh Debian machine lacks first (see scripts/).

GO       ?= go
TAGS     := migrated_fynedo
BIN      := $(CURDIR)/bin
TOOLS    := $(BIN)/tools
AGE_CLI  := $(TOOLS)/age
AGE_VER  := v1.3.2
# Fyne reads the locale from LANG and complains about C/POSIX ones.
ifneq ($(filter-out C C.UTF-8 POSIX,$(LANG)),)
else
export LANG := en_GB.UTF-8
endif

.PHONY: all build run hub demo test vet unit unit-other-day fuzz-smoke bench soak screenshots policy-coverage package deps test-deps clean \
	windows windows-deps windows-build test-windows test-windows-app

all: build

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

$(AGE_CLI):
	@echo "Building the age command-line tool $(AGE_VER) for the interop tests ..."
	@GOBIN=$(TOOLS) $(GO) install filippo.io/age/cmd/...@$(AGE_VER)

build: deps
	$(GO) build -tags $(TAGS) -o $(BIN)/companion ./cmd/companion
	@# A `go build` binary reads FyneApp.toml beside the executable.
	@cp FyneApp.toml $(BIN)/

run: build
	@$(BIN)/companion

# A hub for a small team, on SQLite in ./hub-data (see README).
hub: deps
	$(GO) build -o $(BIN)/companion-hub ./cmd/companion-hub
	$(BIN)/companion-hub serve -addr 127.0.0.1:8443 -data $(CURDIR)/hub-data

# The demo organisation with a year of fictional records, delivered through a
# real hub: app homes for its fictional people in .demo/<person>, then the hub
# they sync with, on DEMO_ADDR until Ctrl-C. Run again for a fresh year.
override DEMO := .demo
DEMO_ADDR ?= 127.0.0.1:8444
demo: build
	$(GO) build -o $(BIN)/companion-hub ./cmd/companion-hub
	@rm -rf $(DEMO)
	$(BIN)/companion-hub seed-demo -data $(DEMO)/hub -homes $(DEMO) -addr $(DEMO_ADDR)
	@echo
	@echo "The hub now serves $(DEMO)/hub on $(DEMO_ADDR) until Ctrl-C. In another terminal, open the app as"
	@echo "  the line manager:      COMPANION_HOME=$(DEMO)/priya make run"
	@echo "  the safeguarding lead: COMPANION_HOME=$(DEMO)/morgan make run"
	@echo "  the practitioner:      COMPANION_HOME=$(DEMO)/sam make run"
	@echo
	$(BIN)/companion-hub serve -data $(DEMO)/hub -addr $(DEMO_ADDR)

vet: deps
	$(GO) vet -tags $(TAGS) ./...
	@# Tests take "now" from package testclock, never the wall clock (issue 12).
	@scripts/check-test-clock.sh
	@# A release build (make package) has no test hooks (issue 14).
	$(GO) vet -tags "$(TAGS) release" ./buildmode ./cmd/...
	$(GO) test -tags "$(TAGS) release" -count=1 -run Release ./buildmode ./cmd/companion-hub
	@unformatted=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard -- '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "Not gofmt-formatted (run gofmt -w on them):" >&2; echo "$$unformatted" >&2; exit 1; fi

# Unit and integration tests. Keyring tests run against a real Secret
# Service in a private D-Bus session; hub tests run against SQLite and a
# throwaway PostgreSQL; interop tests use the real age CLI; the smoke test
# starts the real binary under Xvfb.
unit: test-deps $(AGE_CLI) build
	AGE_BIN=$(AGE_CLI) COMPANION_BIN=$(BIN)/companion \
	  scripts/with-postgres.sh scripts/with-secret-service.sh $(GO) test -tags $(TAGS) -count=1 -timeout 20m ./...

# The packages with date rules, run again as if today were another day
# (testclock reads COMPANION_TEST_NOW; the binaries the tests start get the
# same day through COMPANION_CLOCK). OTHER_DAY is 23:30 on 29 February 2028,
# London time (GMT then, so also UTC): a leap day, late at night and outside
# working hours, half an hour before a new month, a year's anniversary that
# does not exist in most years (training expiry, "a year ago"), and more than
# a year after every date the code was written on. Any other instant can be
# given: make unit-other-day OTHER_DAY=2031-03-30T00:30:00Z
OTHER_DAY ?= 2028-02-29T23:30:00Z
DATE_PKGS := ./session/... ./app/... ./report/... ./records/... ./seed/... ./vault/... ./sync/... ./cmd/...
unit-other-day: test-deps $(AGE_CLI) build
	@echo "Running the date-rule packages again as if it were $(OTHER_DAY) ..."
	COMPANION_TEST_NOW=$(OTHER_DAY) AGE_BIN=$(AGE_CLI) COMPANION_BIN=$(BIN)/companion \
	  scripts/with-postgres.sh scripts/with-secret-service.sh $(GO) test -tags $(TAGS) -count=1 -timeout 20m $(DATE_PKGS)

test: vet windows-build unit unit-other-day fuzz-smoke

# Every fuzz target, fuzzed for FUZZTIME each besides its seed corpus (which
# `unit` runs): see scripts/fuzz-smoke.sh for how a finding and an engine
# hiccup on a loaded machine are told apart.
FUZZTIME ?= 3s
fuzz-smoke: test-deps
	@scripts/fuzz-smoke.sh $(GO) $(TAGS) $(FUZZTIME)

# Issue 18: the figures with targets are also logged as "SCALE | figure |
# target | floor" lines, gathered at the end; the durable save runs three
# more times, each run printing its own ratio. BENCH_SCALE_RECORDS (100,000)
# sizes the organisation-scale ones; SCALE_HUB=1 adds the hub at 1,000,000.
# BenchmarkDayFlow (cmd/companion) drives the real binary under Xvfb and
# prints issue 19's action counts and times beside their targets.
bench: test-deps build
	@mkdir -p $(BIN)
	bash -o pipefail -c "PG_DURABLE=1 COMPANION_BIN=$(BIN)/companion scripts/with-postgres.sh scripts/with-secret-service.sh $(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem -count=1 -timeout 120m ./... | tee $(BIN)/bench.txt"
	bash -o pipefail -c "$(GO) test -tags $(TAGS) -run '^$$' -bench '^BenchmarkSave4K$$' -benchmem -count=3 ./vault | tee -a $(BIN)/bench.txt"
	@echo; echo "Figures beside their targets and floors (issue 18):"; grep -h 'SCALE |' $(BIN)/bench.txt | sed 's/.*SCALE |/|/'

# Soak (issue 18; not part of `make test`): the store's crash test at
# SOAK_KILLS SIGKILLs, and the flaky-proxy sync of SOAK_RECORDS records from
# five devices on SQLite and PostgreSQL; each prints what was acknowledged,
# survived, lost and duplicated.
SOAK_KILLS   ?= 10000
SOAK_RECORDS ?= 50000
soak: test-deps
	STORE_CRASH_KILLS=$(SOAK_KILLS) $(GO) test -tags $(TAGS) -count=1 -timeout 0 -run '^TestCrash$$' -v ./store
	FAULT_SYNC_RECORDS=$(SOAK_RECORDS) FAULT_SYNC_DEVICES=5 scripts/with-postgres.sh \
	  $(GO) test -tags $(TAGS) -count=1 -timeout 0 -run '^TestFaultySync$$' -v ./sync/client

screenshots: test-deps build
	@mkdir -p docs/screenshots
	SCREENSHOT_DIR=$(CURDIR)/docs/screenshots COMPANION_BIN=$(BIN)/companion \
	  scripts/with-secret-service.sh $(GO) test -tags $(TAGS) -count=1 ./app ./cmd/companion
	@echo "Screenshots written to docs/screenshots/"

# docs/policy-coverage.md: every clause of the policy to the pack items, rules
# and tests that implement it (package coverage; `make test` checks it).
policy-coverage:
	UPDATE_COVERAGE=1 $(GO) test -count=1 -run TestPolicyCoverage ./coverage

# A Linux package through fyne's packaging tool (not part of CI).
package: deps
	$(GO) run fyne.io/tools/cmd/fyne@v1.7.4 package --target linux --src cmd/companion \
	  --icon $(CURDIR)/assets/icon.png --name "Safeguard Companion" --app-id org.safeguardcompanion.companion \
	  --tags "$(TAGS) release" --release

# Windows (issue 17; see README "Windows"). `make test` runs only
# `windows-build` (below); the rest is run by hand.
#
# `make windows`: bin/windows/companion.exe, the app cross-compiled with
# MinGW (Fyne's window needs cgo), with its icon, version and manifest from
# go-winres, stripped and without a console window; and
# bin/windows/SafeguardCompanion-VERSION.msi, a per-machine installer built
# by wixl from scripts/windows/companion.wxs. The version is FyneApp.toml's.
# A cold build takes about 10 minutes on two cores; rebuilds seconds.
WIN_DIR     := $(BIN)/windows
WIN_VERSION := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
WIN_BUILD   := $(shell sed -n 's/^Build *= *\([0-9]*\)/\1/p' FyneApp.toml)
WIN_MSI     := $(WIN_DIR)/SafeguardCompanion-$(WIN_VERSION).msi
WINRES      := $(TOOLS)/go-winres
WINRES_VER  := v0.3.3
WIN_CGO     := GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc

windows-deps:
	@scripts/install-deps.sh windows

# Part of `make test`, so a change that breaks Windows fails CI: the app as
# ICT gets it (release build, cgo through MinGW) and every package's tests
# compiled as Windows binaries (not run: that is `make test-windows`, under
# Wine). Needs only the cross-compiler, not Wine. Seconds with a warm Go
# cache; about 5.5 minutes cold on two cores.
windows-build:
	@scripts/install-deps.sh windows-build
	@mkdir -p $(WIN_DIR)
	$(WIN_CGO) $(GO) build -tags "$(TAGS) release" -trimpath -o $(WIN_DIR)/companion-check.exe ./cmd/companion
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) test -tags "$(TAGS)" -count=1 -run '^$$' -exec true \
	  ./session/... ./crypto/... ./store/... ./vault/... ./sync/... ./report/... ./records/... ./device/... ./org/... ./testclock/...

$(WINRES):
	@echo "Building go-winres $(WINRES_VER) (Windows icon, version and manifest) ..."
	@GOBIN=$(TOOLS) $(GO) install github.com/tc-hib/go-winres@$(WINRES_VER)

windows: windows-deps $(WINRES)
	@mkdir -p $(WIN_DIR)
	@# The .syso is linked into Windows builds of cmd/companion only (its
	@# name says windows_amd64); it is made afresh each time, never committed.
	cd cmd/companion && $(WINRES) simply --arch amd64 --out rsrc --manifest gui \
	  --icon $(CURDIR)/assets/icon.png --product-name "Safeguard Companion" \
	  --file-description "Safeguard Companion" --original-filename companion.exe \
	  --copyright "Safeguard Companion" \
	  --product-version $(WIN_VERSION).$(WIN_BUILD) --file-version $(WIN_VERSION).$(WIN_BUILD)
	@# What ICT deploys is a release build: no test hooks (buildmode).
	$(WIN_CGO) $(GO) build -tags "$(TAGS) release" -trimpath -ldflags "-H=windowsgui -s -w" \
	  -o $(WIN_DIR)/companion.exe ./cmd/companion
	@# The installer's icon is the one inside the .exe.
	@rm -rf $(WIN_DIR)/res && $(WINRES) extract --dir $(WIN_DIR)/res $(WIN_DIR)/companion.exe
	cd $(WIN_DIR) && wixl -a x64 -D Version=$(WIN_VERSION) -D ExeSource=companion.exe \
	  -D IconSource=res/#1_0000.ico -o $(WIN_MSI) $(CURDIR)/scripts/windows/companion.wxs
	@ls -l $(WIN_DIR)/companion.exe $(WIN_MSI)

# The pure-Go packages' tests as Windows binaries under Wine, in a throwaway
# prefix whose user name has spaces and letters outside ASCII (see
# scripts/with-wine.sh and scripts/test-windows.sh). PKGS narrows it:
# make test-windows PKGS="./crypto ./store"
# Against a throwaway PostgreSQL (the hub tests) and a Windows build of the
# age CLI (the interop tests), as `make unit` does on Linux.
AGE_WIN := $(shell $(GO) env GOPATH)/bin/windows_amd64/age.exe
$(AGE_WIN):
	@echo "Building the age command-line tool $(AGE_VER) for Windows ..."
	@GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) install filippo.io/age/cmd/...@$(AGE_VER)

test-windows: windows-deps test-deps $(AGE_WIN)
	@mkdir -p $(WIN_DIR)
	AGE_BIN=$(AGE_WIN) PKGS="$(PKGS)" LOG=$(WIN_DIR)/test-windows.log \
	  scripts/with-postgres.sh scripts/with-wine.sh scripts/test-windows.sh -count=1 -timeout 30m
ifeq ($(PKGS),)
	@# From the app package, the canary test (no plaintext in the data folder,
	@# %TEMP% or the logs): its screens need no cgo on Fyne's test driver.
	PKGS=./app LOG=$(WIN_DIR)/test-windows-canary.log \
	  scripts/with-wine.sh scripts/test-windows.sh -count=1 -timeout 15m -run '^TestNoPlaintextAnywhere$$'
endif

# The MSI and the app end to end under Wine and Xvfb (scripts/test-windows-app.sh):
# silent install, the window (screenshot in docs/screenshots), data under the
# user's profile, a second copy refused (also with no console: a message box,
# screenshot too), silent removal keeping the data.
test-windows-app: windows
	scripts/with-wine.sh xvfb-run -a -s "-screen 0 1280x800x24" \
	  scripts/test-windows-app.sh $(WIN_MSI) $(CURDIR)/docs/screenshots/00-windows-wine-first-run.png \
	  $(CURDIR)/docs/screenshots/00-windows-wine-start-error.png

clean:
	rm -rf $(BIN)
