#!/bin/sh
# Creates the namespace and registers acp's search attributes (the list in
# workflows/search-attributes.ts): every upsert in the provision workflow fails on a namespace that
# lacks them. Idempotent. Run by scripts/temporal-cluster.sh (with the temporal CLI acp builds) and by
# docker-compose.temporal.yml's temporal-setup job (admin-tools' temporal CLI).
#
#   TEMPORAL            the temporal CLI (default temporal)
#   TEMPORAL_ADDRESS    the frontend, host:port (read by the CLI itself)
#   TEMPORAL_NAMESPACE  default "default"
set -eu
: "${TEMPORAL:=temporal}"
ns=${TEMPORAL_NAMESPACE:-default}
i=0
until "$TEMPORAL" operator cluster health >/dev/null 2>&1; do
  i=$((i + 1))
  [ "$i" -le 180 ] || { echo "no healthy Temporal frontend at ${TEMPORAL_ADDRESS:-localhost:7233} after 3 min" >&2; exit 1; }
  sleep 1
done
"$TEMPORAL" operator namespace describe -n "$ns" >/dev/null 2>&1 ||
  "$TEMPORAL" operator namespace create -n "$ns" --retention 72h >/dev/null
add() {
  "$TEMPORAL" operator search-attribute list -n "$ns" | grep -qw "$1" ||
    "$TEMPORAL" operator search-attribute create -n "$ns" --name "$1" --type "$2" >/dev/null
}
# A new namespace reaches the frontend's namespace cache some seconds after it is created; until
# then registering an attribute answers "namespace not found", so retry.
i=0
until add AcpStatus Keyword && add AcpProduct Keyword && add AcpRegion Keyword &&
  add AcpEstimatedCost Double && add AcpBudget Double; do
  i=$((i + 1))
  [ "$i" -le 60 ] || { echo "could not register acp's search attributes in namespace $ns" >&2; exit 1; }
  sleep 1
done
echo "namespace $ns with acp's search attributes is ready"
