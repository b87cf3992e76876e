#!/usr/bin/env bash
# A production-shaped Temporal cluster on one machine, without Docker: PostgreSQL (the distribution's
# package) for persistence and visibility, the Temporal server's four services as four processes
# (frontend, history, matching, worker), the Web UI, and the namespace with acp's search attributes.
# The same versions and settings as docker-compose.temporal.yml: both configure the server from the
# template its binary embeds (the one temporalio/server images render), and both run
# scripts/temporal-cluster/{schema.sh,setup.sh,dynamic-config.yaml}. docs/operators.md explains it.
#
#   scripts/temporal-cluster.sh build    build the binaries once from Go modules into ~/.cache/acp
#   scripts/temporal-cluster.sh up       start whatever is not running (builds first if needed);
#                                        prints the TEMPORAL_ADDRESS to use
#   scripts/temporal-cluster.sh down     stop every process it started, by PID (data is kept)
#   scripts/temporal-cluster.sh status   which processes run, with their PIDs
#   scripts/temporal-cluster.sh check    whether `up` can run without building or installing anything
#   scripts/temporal-cluster.sh purge    down, then delete the data directory
#
# Settings (environment; the first `up` records them in $ACP_CLUSTER_DIR/cluster.env and later
# commands read them from there):
#   ACP_CLUSTER_DIR        data, logs, PIDs (default ~/.acp/cluster; as root /var/lib/acp/cluster,
#                          because PostgreSQL runs as the `postgres` user, which cannot enter /root)
#   ACP_CLUSTER_IP         the address every service listens on (default 127.0.0.1); workers on other
#                          machines need one they can reach
#   ACP_CLUSTER_PORT       the frontend's gRPC port (default 7233). The rest follow from it as in
#                          Temporal's defaults: history +1, matching +2, worker +6, frontend HTTP +10,
#                          membership ports -300 (6933…), Prometheus metrics +2000 (9233…),
#                          PostgreSQL -1800 (5433)
#   ACP_CLUSTER_UI_PORT    the Web UI (default 8080; 0 = no UI)
#   ACP_CLUSTER_NAMESPACE  default "default"; set on a later `up`, it adds that namespace
#   ACP_CLUSTER_TLS=1      mutual TLS everywhere, as a cluster other machines reach should run: a CA
#                          made here ($ACP_CLUSTER_DIR/tls) signs the services' certificate (between
#                          services and towards clients) and one client certificate, which `up` prints
#                          as the TEMPORAL_TLS_* variables acp, the temporal CLI and the SDKs read
set -euo pipefail

TEMPORAL_VERSION=1.30.1
UI_VERSION=2.42.1
here="$(cd "$(dirname "$0")" && pwd)"
shared="$here/temporal-cluster"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/acp"
server_dir="$cache/temporal-server-$TEMPORAL_VERSION"
ui_dir="$cache/temporal-ui-server-$UI_VERSION"
cli="${TEMPORAL_CLI_PATH:-$cache/temporal-cli-1.5.1/temporal}"
services=(history matching frontend worker)

say() { echo "temporal-cluster: $*" >&2; }
die() {
  say "$*"
  exit 1
}

build() {
  local start
  if [ ! -x "$server_dir/server" ] || [ ! -x "$server_dir/sql" ]; then
    command -v go >/dev/null || die "go is needed to build the Temporal server (Go >= 1.25)"
    start=$(date +%s)
    say "building the Temporal server $TEMPORAL_VERSION and its SQL tool from Go modules (once, ~5 min)…"
    rm -rf "$server_dir.tmp" && mkdir -p "$server_dir.tmp"
    CGO_ENABLED=0 GOBIN="$server_dir.tmp" go install -trimpath -ldflags "-s -w" \
      "go.temporal.io/server/cmd/server@v$TEMPORAL_VERSION" \
      "go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_VERSION"
    rm -rf "$server_dir" && mv "$server_dir.tmp" "$server_dir"
    say "server built in $(($(date +%s) - start)) s: $server_dir"
  fi
  if [ ! -x "$ui_dir/server" ]; then
    command -v go >/dev/null || die "go is needed to build the Temporal Web UI server"
    start=$(date +%s)
    say "building the Temporal Web UI server $UI_VERSION from Go modules (once)…"
    rm -rf "$ui_dir.tmp" && mkdir -p "$ui_dir.tmp/config"
    CGO_ENABLED=0 GOBIN="$ui_dir.tmp" go install -trimpath -ldflags "-s -w" \
      "github.com/temporalio/ui-server/v2/cmd/server@v$UI_VERSION"
    # The config template temporalio/ui images render from the environment.
    cp "$(go env GOMODCACHE)/github.com/temporalio/ui-server/v2@v$UI_VERSION/config/docker.yaml" \
      "$ui_dir.tmp/config/docker.yaml"
    chmod u+w "$ui_dir.tmp/config/docker.yaml"
    rm -rf "$ui_dir" && mv "$ui_dir.tmp" "$ui_dir"
    say "Web UI server built in $(($(date +%s) - start)) s: $ui_dir"
  fi
  if [ ! -x "$cli" ]; then
    bash "$here/build-temporal-cli.sh" >&2
  fi
}

# --- settings -------------------------------------------------------------------------------------

default_dir() {
  if [ "$(id -u)" = 0 ]; then echo /var/lib/acp/cluster; else echo "$HOME/.acp/cluster"; fi
}
dir="${ACP_CLUSTER_DIR:-$(default_dir)}"

load_settings() {
  if [ -f "$dir/cluster.env" ]; then
    # shellcheck disable=SC1091
    . "$dir/cluster.env"
    if [ -n "${ACP_CLUSTER_IP:-}${ACP_CLUSTER_PORT:-}" ] &&
      [ "${ACP_CLUSTER_IP:-$ip}:${ACP_CLUSTER_PORT:-$port}" != "$ip:$port" ]; then
      die "the cluster in $dir listens on $ip:$port; purge it or use another ACP_CLUSTER_DIR to change that"
    fi
    # Another namespace on the same cluster: `up` creates it and prints it from then on.
    namespace="${ACP_CLUSTER_NAMESPACE:-$namespace}"
  else
    ip="${ACP_CLUSTER_IP:-127.0.0.1}"
    port="${ACP_CLUSTER_PORT:-7233}"
    ui_port="${ACP_CLUSTER_UI_PORT:-8080}"
    namespace="${ACP_CLUSTER_NAMESPACE:-default}"
    tls="${ACP_CLUSTER_TLS:-0}"
  fi
  pg_port=$((port - 1800))
}

save_settings() {
  printf 'ip=%s\nport=%s\nui_port=%s\nnamespace=%s\ntls=%s\n' "$ip" "$port" "$ui_port" "$namespace" "$tls" >"$dir/cluster.env"
}

grpc_offset() {
  case "$1" in
  frontend) echo 0 ;;
  history) echo 1 ;;
  matching) echo 2 ;;
  worker) echo 6 ;;
  esac
}

# --- processes ------------------------------------------------------------------------------------

pid_of() {
  local f="$dir/pids/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  # The PID must still be the process it names (not a reused PID).
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2" || return 1
  echo "$pid"
}

server_pid() { pid_of "$1" "--service $1"; }
ui_pid() { pid_of ui "$ui_dir/server"; }

pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/pg_ctl" ] && {
      echo "$d"
      return
    }
  done
  command -v pg_ctl >/dev/null && {
    dirname "$(command -v pg_ctl)"
    return
  }
  die "PostgreSQL is not installed (Debian/Ubuntu: apt-get install postgresql)"
}

# PostgreSQL refuses to run as root; as root it runs as the `postgres` user the package creates.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the postgres user (apt-get install postgresql)"
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

pg_up() {
  local bin data="$dir/postgresql" pwfile
  bin=$(pg_bin)
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initialising PostgreSQL ($("$bin/postgres" --version)) in $data"
    mkdir -p "$data"
    chmod 700 "$data"
    pwfile="$dir/initdb.pw"
    (umask 077 && echo temporal >"$pwfile")
    if [ "$(id -u)" = 0 ]; then
      # The postgres user must be able to walk down to the data directory.
      chmod 711 "$dir"
      chown postgres "$data" "$pwfile"
      as_pg test -w "$data" || die "the postgres user cannot write $data: set ACP_CLUSTER_DIR to a directory it can reach"
    fi
    as_pg "$bin/initdb" -D "$data" -U temporal --pwfile="$pwfile" --auth-local=peer \
      --auth-host=scram-sha-256 -E UTF8 --locale=C >"$dir/logs/postgresql-init.log" 2>&1 ||
      die "initdb failed: $dir/logs/postgresql-init.log"
    rm -f "$pwfile"
  fi
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then return; fi
  touch "$dir/logs/postgresql.log"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/logs/postgresql.log"
  # Four server processes hold up to 30 connections each (20 for history and tasks, 10 for
  # visibility): more than PostgreSQL's default of 100.
  as_pg "$bin/pg_ctl" -D "$data" -l "$dir/logs/postgresql.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories='$data' -c max_connections=200" \
    start >/dev/null || die "PostgreSQL did not start: $dir/logs/postgresql.log"
}

pg_down() {
  local bin data="$dir/postgresql"
  [ -f "$data/PG_VERSION" ] || return 0
  bin=$(pg_bin)
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    say "stopped postgresql"
  fi
}

schema() {
  SQL_TOOL="$server_dir/sql" SQL_HOST=127.0.0.1 SQL_PORT=$pg_port SQL_USER=temporal SQL_PASSWORD=temporal \
    sh "$shared/schema.sh" >>"$dir/logs/schema.log" 2>&1 || die "schema setup failed: $dir/logs/schema.log"
}

# The name every service's certificate carries; the services and clients that connect by IP address
# check it instead (TEMPORAL_TLS_SERVER_NAME).
TLS_NAME=acp-temporal

tls_certs() {
  local t="$dir/tls" ext
  [ -f "$t/client.pem" ] && return 0
  command -v openssl >/dev/null || die "ACP_CLUSTER_TLS=1 needs openssl"
  mkdir -p "$t"
  (
    umask 077
    cd "$t"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
      -subj "/CN=acp Temporal cluster CA" -keyout ca.key -out ca.pem 2>/dev/null
    ext="subjectAltName=DNS:$TLS_NAME,DNS:localhost,IP:127.0.0.1"
    [ "$ip" != 0.0.0.0 ] && [ "$ip" != 127.0.0.1 ] && ext="$ext,IP:$ip"
    # The services present one certificate to each other and to clients, so it serves both ways.
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$TLS_NAME" \
      -keyout node.key -out node.csr 2>/dev/null
    openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
      -extfile <(printf '%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$ext") -out node.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=acp" \
      -keyout client.key -out client.csr 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
      -extfile <(printf 'extendedKeyUsage=clientAuth\n') -out client.pem 2>/dev/null
    rm -f ./*.csr
  )
  # Clients on this machine (the UI server, the setup job, acp) read the client key.
  chmod 644 "$t/client.key" "$t/client.pem" "$t/ca.pem"
}

# What a client of the cluster sets: the variables of the temporal CLI and the SDKs.
client_tls_env() {
  [ "$tls" = 1 ] || return 0
  printf '%s\n' "TEMPORAL_TLS_CLIENT_CERT_PATH=$dir/tls/client.pem" "TEMPORAL_TLS_CLIENT_KEY_PATH=$dir/tls/client.key" \
    "TEMPORAL_TLS_SERVER_CA_CERT_PATH=$dir/tls/ca.pem" "TEMPORAL_TLS_SERVER_NAME=$TLS_NAME"
}

# The environment of a server process: only what the embedded config template reads (nothing from
# the caller's shell leaks in), as docker-compose.temporal.yml sets it for the server containers.
server_env() {
  local svc=$1 s
  local -a e=(
    PATH=/usr/bin:/bin HOME="$dir"
    DB=postgres12 POSTGRES_SEEDS=127.0.0.1 DB_PORT="$pg_port" POSTGRES_USER=temporal POSTGRES_PWD=temporal
    BIND_ON_IP="$ip" LOG_LEVEL="${ACP_CLUSTER_LOG_LEVEL:-warn}"
    DYNAMIC_CONFIG_FILE_PATH="$shared/dynamic-config.yaml"
    PROMETHEUS_ENDPOINT="$ip:$((port + 2000 + $(grpc_offset "$svc")))"
    FRONTEND_HTTP_PORT=$((port + 10))
  )
  [ "$ip" = 0.0.0.0 ] && e+=(TEMPORAL_BROADCAST_ADDRESS=127.0.0.1)
  if [ "$tls" = 1 ]; then
    local t="$dir/tls"
    e+=(
      TEMPORAL_TLS_REQUIRE_CLIENT_AUTH=true
      TEMPORAL_TLS_SERVER_CERT="$t/node.pem" TEMPORAL_TLS_SERVER_KEY="$t/node.key" TEMPORAL_TLS_SERVER_CA_CERT="$t/ca.pem"
      TEMPORAL_TLS_INTERNODE_SERVER_NAME=$TLS_NAME
      TEMPORAL_TLS_FRONTEND_CERT="$t/node.pem" TEMPORAL_TLS_FRONTEND_KEY="$t/node.key"
      TEMPORAL_TLS_CLIENT1_CA_CERT="$t/ca.pem" TEMPORAL_TLS_CLIENT2_CA_CERT="$t/ca.pem"
      TEMPORAL_TLS_FRONTEND_SERVER_NAME=$TLS_NAME
    )
  fi
  for s in frontend history matching worker; do
    local up=${s^^}
    e+=("${up}_GRPC_PORT=$((port + $(grpc_offset "$s")))" "${up}_MEMBERSHIP_PORT=$((port - 300 + $(grpc_offset "$s")))")
  done
  printf '%s\n' "${e[@]}"
}

start_server() {
  local svc=$1
  mapfile -t env_lines < <(server_env "$svc")
  setsid env -i "${env_lines[@]}" "$server_dir/server" --allow-no-auth start --service "$svc" \
    >>"$dir/logs/$svc.log" 2>&1 </dev/null &
  echo $! >"$dir/pids/$svc.pid"
}

start_ui() {
  local -a ui_tls=()
  [ "$tls" = 1 ] && ui_tls=(TEMPORAL_TLS_CA="$dir/tls/ca.pem" TEMPORAL_TLS_CERT="$dir/tls/client.pem"
    TEMPORAL_TLS_KEY="$dir/tls/client.key" TEMPORAL_TLS_SERVER_NAME=$TLS_NAME TEMPORAL_TLS_ENABLE_HOST_VERIFICATION=true)
  mkdir -p "$dir/ui/config"
  # The image's template, plus the address to listen on (the image listens on all of its own).
  { cat "$ui_dir/config/docker.yaml"; echo "host: $ip"; } >"$dir/ui/config/cluster.yaml"
  setsid env -i PATH=/usr/bin:/bin HOME="$dir" TEMPORAL_ADDRESS="$ip:$port" TEMPORAL_UI_PORT="$ui_port" \
    TEMPORAL_DEFAULT_NAMESPACE="$namespace" TEMPORAL_CORS_ORIGINS="http://$ip:$ui_port" \
    TEMPORAL_CODEC_ENDPOINT="${TEMPORAL_CODEC_ENDPOINT:-}" "${ui_tls[@]}" \
    "$ui_dir/server" --root "$dir/ui" --config config --env cluster start \
    >>"$dir/logs/ui.log" 2>&1 </dev/null &
  echo $! >"$dir/pids/ui.pid"
}

wait_port() {
  local host=$1 p=$2 what=$3 i
  for i in $(seq 1 240); do
    (exec 3<>"/dev/tcp/$host/$p") 2>/dev/null && return 0
    sleep 0.25
  done
  die "$what did not listen on $host:$p within 60 s (see $dir/logs/)"
}

await_service() {
  local p=$((port - 300 + $(grpc_offset "$1"))) i pid
  # The PID start_server just wrote, alive or not: until the background child has exec'd the server
  # its command line is still this script's, so server_pid's command-line check would call a service
  # that is starting (under load, for a while) one that exited.
  pid=$(cat "$dir/pids/$1.pid")
  for i in $(seq 1 240); do
    kill -0 "$pid" 2>/dev/null || die "the $1 service exited: $(tail -n 5 "$dir/logs/$1.log")"
    (exec 3<>"/dev/tcp/$ip/$p") 2>/dev/null && return 0
    sleep 0.25
  done
  die "the $1 service did not listen on $ip:$p within 60 s (see $dir/logs/$1.log)"
}

up() {
  local start svc started=()
  start=$(date +%s)
  build
  mkdir -p "$dir/pids" "$dir/logs"
  load_settings
  save_settings
  [ "$tls" = 1 ] && tls_certs
  pg_up
  schema
  # Every service joins the cluster on its membership port (the worker service serves no gRPC). The
  # first one started on a new database writes the cluster's metadata; services that start beside it
  # race to write the same row and exit, so it goes alone.
  for svc in "${services[@]}"; do
    if server_pid "$svc" >/dev/null; then continue; fi
    start_server "$svc"
    started+=("$svc")
    [ ${#started[@]} = 1 ] && await_service "$svc"
  done
  for svc in "${started[@]:1}"; do await_service "$svc"; done
  local address="$ip:$port"
  [ "$ip" = 0.0.0.0 ] && address="127.0.0.1:$port"
  mapfile -t client_env < <(client_tls_env)
  env "${client_env[@]}" TEMPORAL="$cli" TEMPORAL_ADDRESS="$address" TEMPORAL_NAMESPACE="$namespace" \
    sh "$shared/setup.sh" >>"$dir/logs/setup.log" 2>&1 || die "namespace setup failed: $dir/logs/setup.log"
  if [ "$ui_port" != 0 ] && ! ui_pid >/dev/null; then
    start_ui
    wait_port "$ip" "$ui_port" "the Web UI"
    started+=(ui)
  fi
  say "up in $(($(date +%s) - start)) s${started[*]:+ (started: ${started[*]})}; data in $dir"
  echo "export TEMPORAL_ADDRESS=$address"
  echo "export TEMPORAL_NAMESPACE=$namespace"
  client_tls_env | sed 's/^/export /'
  [ "$ui_port" != 0 ] && echo "# Web UI: http://$address" | sed "s/:$port\$/:$ui_port/"
  return 0
}

stop_pid() {
  local name=$1 pid=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  rm -f "$dir/pids/$name.pid"
  say "stopped $name (pid $pid)"
}

down() {
  local svc pid
  [ -d "$dir" ] || return 0
  load_settings
  if pid=$(ui_pid); then stop_pid ui "$pid"; fi
  # The frontend first, so clients see it go rather than half a cluster.
  for svc in frontend worker matching history; do
    if pid=$(server_pid "$svc"); then stop_pid "$svc" "$pid"; fi
  done
  pg_down
}

status() {
  local svc pid bin running=0
  [ -f "$dir/cluster.env" ] || {
    echo "no cluster in $dir"
    return 3
  }
  load_settings
  for svc in "${services[@]}"; do
    if pid=$(server_pid "$svc"); then
      echo "$svc: running (pid $pid)"
      running=$((running + 1))
    else echo "$svc: stopped"; fi
  done
  if pid=$(ui_pid); then echo "ui: running (pid $pid)"; else echo "ui: stopped"; fi
  bin=$(pg_bin)
  if as_pg "$bin/pg_ctl" -D "$dir/postgresql" status >/dev/null 2>&1; then echo "postgresql: running"; else echo "postgresql: stopped"; fi
  echo "TEMPORAL_ADDRESS=$ip:$port"
  [ "$running" = ${#services[@]} ]
}

check() {
  local missing=()
  [ -x "$server_dir/server" ] && [ -x "$server_dir/sql" ] && [ -x "$ui_dir/server" ] && [ -x "$cli" ] ||
    missing+=("the Temporal server, UI and CLI are not built: run scripts/temporal-cluster.sh build (Go >= 1.25, ~5 min once)")
  (pg_bin >/dev/null 2>&1) || missing+=("PostgreSQL is not installed (Debian/Ubuntu: apt-get install postgresql)")
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    missing+=("as root, PostgreSQL runs as the postgres user, which does not exist (apt-get install postgresql)")
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    printf '%s\n' "${missing[@]}"
    return 1
  fi
  echo "ready: $server_dir, $ui_dir, PostgreSQL in $(pg_bin)"
}

case "${1:-}" in
build) build ;;
check) check ;;
up) up ;;
down) down ;;
status) status ;;
purge)
  down
  rm -rf "$dir"
  say "deleted $dir"
  ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
