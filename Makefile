# Skiff. `make run` builds and runs the server with its defaults;
# `make test` runs every test (inside a private network namespace).
.PHONY: build run test fmt vet

build:
	go build -o bin/skiff ./cmd/skiff

run: build
	./bin/skiff server

test:
	scripts/test.sh

fmt:
	gofmt -l -w cmd internal test

vet:
	go vet ./...
