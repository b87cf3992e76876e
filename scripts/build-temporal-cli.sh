#!/usr/bin/env bash
# Builds the Temporal CLI (dev server + Web UI) from Go modules, once, into ~/.cache/acp.
# v1.5.1 is the newest tag without a `replace` directive, which `go install` refuses.
# Measured on 2 cores: ~6 min cold (1.8 GB module cache, 1.4 GB build cache), 213 MB binary.
set -euo pipefail
version=1.5.1
dest="${XDG_CACHE_HOME:-$HOME/.cache}/acp/temporal-cli-$version"
if [ -x "$dest/temporal" ]; then
  echo "temporal CLI $version: $dest/temporal (cached)"
  exit 0
fi
command -v go >/dev/null || { echo "go is needed to build the Temporal CLI (or set TEMPORAL_CLI_PATH / TEMPORAL_ADDRESS)" >&2; exit 1; }
mkdir -p "$dest"
start=$(date +%s)
CGO_ENABLED=0 GOBIN="$dest" go install -trimpath \
  -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=$version" \
  "github.com/temporalio/cli/cmd/temporal@v$version"
echo "temporal CLI $version built in $(( $(date +%s) - start )) s: $dest/temporal"
