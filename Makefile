# taskboard: `make run` starts the server with the demo board, `make test` runs every test.
GO ?= go
ADDR ?= :3000

# Tasks are searched with SQLite's FTS5, which mattn/go-sqlite3 compiles in with this tag
# only: every go command below builds with it, and so do the binaries that tests build
# (internal/clustertest runs go build), through the environment. A -tags flag on the command
# line replaces GOFLAGS's, hence driverbench,sqlite_fts5.
export GOFLAGS := $(strip $(shell $(GO) env GOFLAGS) -tags=sqlite_fts5)

.PHONY: run test build race lint fmt bench bench-drivers bench-pg-drivers e2e ci web web-test web-check cluster

run:
	$(GO) run ./cmd/taskboard --demo --addr $(ADDR) --log-format console

test:
	$(GO) test -race -count=1 ./...

build:
	$(GO) build -o bin/taskboard ./cmd/taskboard

# Three nodes on 127.0.0.1:3001-3003 sharing a PostgreSQL of their own in ./data/cluster (kept
# between runs; PostgreSQL must be installed). Ctrl-C stops them all.
cluster: build
	$(GO) build -o bin/taskcluster ./cmd/taskcluster
	bin/taskcluster --dir ./data/cluster --taskboard bin/taskboard

race: test

lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed on:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags driverbench,sqlite_fts5 ./persistence
	cd persistence/pgdriverbench && $(GO) vet ./...
	$(GO) tool staticcheck ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# SQLite drivers compared on the store's write and read paths (docs/sqlite-driver.md). The
# driverbench tag keeps modernc.org/sqlite out of every other build.
bench-drivers:
	$(GO) test -tags driverbench,sqlite_fts5 -run '^$$' -bench Driver -benchmem -count 3 ./persistence

# Postgres drivers (pgx's exec modes, bun's pgdriver) compared on the store's paths
# (docs/postgres-driver.md), in a module of their own so that pgdriver stays out of every
# other build. Needs PostgreSQL's initdb and postgres (internal/pgtest).
bench-pg-drivers:
	cd persistence/pgdriverbench && $(GO) test -run '^$$' -bench PG -benchmem -count 3 .

e2e:
	$(GO) test -race -count=1 ./gateway/... ./cmd/... ./web/...

# The browser UI: web/dist is committed (go build embeds it), so only changes to web/src need
# Node. `make web` rebuilds it; `make web-check` proves the committed build matches the sources.
web: web/node_modules/.installed
	cd web && npm run build

web/node_modules/.installed: web/package-lock.json
	cd web && npm ci
	touch $@

web-test: web/node_modules/.installed
	cd web && npx vitest run

web-check: web
	@git diff --exit-code --stat -- web/dist && test -z "$$(git status --porcelain -- web/dist)" || \
		{ echo "web/dist does not match web/src: run make web and commit web/dist"; git status --short -- web/dist; exit 1; }

ci: lint web-check web-test test
