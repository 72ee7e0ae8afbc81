#!/usr/bin/env bash
# The project's test command (README, .ci/run): vet, cross-builds without
# cgo, every test under the race detector, the pure-Go kernels, and the
# arm64 tests under qemu. Shared fixtures are required (../shared/testdata):
# set GOLLAMA_REQUIRE_FIXTURES=0 to let tests skip when you do not have them.
set -euo pipefail
cd "$(dirname "$0")"
export GOLLAMA_REQUIRE_FIXTURES="${GOLLAMA_REQUIRE_FIXTURES:-1}"
step() { printf '\n== %s\n' "$*"; }
started=$SECONDS

step "go vet"
go vet ./...
step "gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted"; exit 1; fi

step "build without cgo: linux/amd64, linux/arm64, darwin/arm64, windows/amd64"
# worker/natstest only embeds a NATS server for tests: not part of the product.
products=$(go list ./... | grep -v /natstest)
for target in linux/amd64 linux/arm64 darwin/arm64 windows/amd64; do
  CGO_ENABLED=0 GOOS=${target%/*} GOARCH=${target#*/} go build $products
done

step "go test -race (amd64, dispatched SIMD kernels)"
go test -race -timeout 20m ./...

step "llama.cpp parity, every fixture, without the race detector's slowdown"
go test -count=1 -run 'Parity|ForwardExact' ./model/

step "go test -tags purego (generic kernels)"
go test -short -tags purego ./kernels/ ./model/

qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
if [ -n "$qemu" ]; then
  step "go test -short on arm64 under $(basename "$qemu")"
  CGO_ENABLED=0 GOARCH=arm64 go test -short -timeout 20m -exec "$qemu" ./...
elif [ "${GOLLAMA_REQUIRE_ARM64:-0}" = 1 ]; then
  echo "qemu-aarch64-static not found (apt-get install qemu-user-static)"; exit 1
else
  echo "skipping arm64 tests: qemu-aarch64-static not found (apt-get install qemu-user-static)"
fi
printf '\nall tests passed in %ds\n' $((SECONDS - started))
