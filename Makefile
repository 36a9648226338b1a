# Skiff. `make run` builds and runs the server with its defaults;
# `make test` runs every test (inside a private network namespace).
.PHONY: build run test fmt vet

# CGO_ENABLED=0: one static binary that runs on any Linux, with Go's own
# DNS resolver and user lookup; it maps no libc, 2 MiB less resident.
build:
	CGO_ENABLED=0 go build -o bin/skiff ./cmd/skiff

run: build
	./bin/skiff server

test:
	scripts/test.sh

fmt:
	gofmt -l -w cmd internal test

vet:
	go vet ./...
