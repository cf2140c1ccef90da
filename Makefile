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

.PHONY: all build run hub demo test vet unit bench screenshots package deps test-deps clean

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

# Unit and integration tests. Keyring tests run against a real Secret
# Service in a private D-Bus session; hub tests run against SQLite and a
# throwaway PostgreSQL; interop tests use the real age CLI; the smoke test
# starts the real binary under Xvfb.
unit: test-deps $(AGE_CLI) build
	AGE_BIN=$(AGE_CLI) COMPANION_BIN=$(BIN)/companion \
	  scripts/with-postgres.sh scripts/with-secret-service.sh $(GO) test -tags $(TAGS) -count=1 -timeout 20m ./...

test: vet unit

bench: test-deps
	PG_DURABLE=1 scripts/with-postgres.sh $(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem -count=1 -timeout 30m ./...

screenshots: test-deps build
	@mkdir -p docs/screenshots
	SCREENSHOT_DIR=$(CURDIR)/docs/screenshots COMPANION_BIN=$(BIN)/companion \
	  scripts/with-secret-service.sh $(GO) test -tags $(TAGS) -count=1 ./app ./cmd/companion
	@echo "Screenshots written to docs/screenshots/"

# A Linux package through fyne's packaging tool (not part of CI).
package: deps
	$(GO) run fyne.io/tools/cmd/fyne@v1.7.4 package --target linux --src cmd/companion \
	  --icon $(CURDIR)/assets/icon.png --name "Safeguard Companion" --app-id org.safeguardcompanion.companion \
	  --tags $(TAGS) --release

clean:
	rm -rf $(BIN)
