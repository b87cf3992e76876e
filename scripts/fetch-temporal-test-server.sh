#!/usr/bin/env bash
# Fetches Temporal's time-skipping test server (Maven Central: io.temporal:temporal-test-server) with
# its dependencies, once, into ~/.cache/acp, and writes a launcher the TypeScript SDK can start as an
# `existing-path` executable. Only the backstop test needs it: it lets a live run cross 30+ minutes of
# workflow time so the AutoReleaseTime extension is observed, which the dev server cannot do offline.
# Measured: ~25 s with a warm ~/.m2, 39 jars, 33 MB.
set -euo pipefail
version=1.31.0
dest="${XDG_CACHE_HOME:-$HOME/.cache}/acp/temporal-test-server-$version"
if [ -x "$dest/temporal-test-server" ] && [ -d "$dest/lib" ]; then
  echo "temporal test server $version: $dest/temporal-test-server (cached)"
  exit 0
fi
command -v mvn >/dev/null || { echo "mvn and java are needed to fetch the Temporal test server" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>acp</groupId><artifactId>temporal-test-server-fetch</artifactId><version>1</version>
  <dependencies><dependency>
    <groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>$version</version>
  </dependency></dependencies>
</project>
POM
mkdir -p "$dest"
(cd "$work" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$dest/lib")
# exec: the SDK stops the server by killing this process, which must be the JVM itself.
cat >"$dest/temporal-test-server" <<'LAUNCH'
#!/bin/sh
exec java -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"
LAUNCH
chmod +x "$dest/temporal-test-server"
echo "temporal test server $version: $dest/temporal-test-server"
