# taskboard: `make run` starts the server with the demo board, `make test` runs every test.
GO ?= go
ADDR ?= :3000

.PHONY: run test build race lint fmt bench e2e ci

run:
	$(GO) run ./cmd/taskboard --demo --addr $(ADDR) --log-format console

test:
	$(GO) test -race -count=1 ./...

build:
	$(GO) build -o bin/taskboard ./cmd/taskboard

race: test

lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed on:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

e2e:
	$(GO) test -race -count=1 ./gateway/... ./cmd/...

ci: lint test
