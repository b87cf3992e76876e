#!/bin/sh
# Creates and migrates Temporal's two PostgreSQL databases, `temporal` and `temporal_visibility`, to
# the schema the server binary embeds. Safe to rerun: an existing database is migrated, not replaced.
# Run by scripts/temporal-cluster.sh (the sql tool it builds) and by docker-compose.temporal.yml's
# temporal-schema job (admin-tools' temporal-sql-tool), so both clusters get the same schema.
#
#   SQL_TOOL       the sql tool (default temporal-sql-tool)
#   SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD   where PostgreSQL is (read by the tool itself)
set -eu
: "${SQL_TOOL:=temporal-sql-tool}"
export SQL_PLUGIN=postgres12
for db in temporal temporal_visibility; do
  schema=postgresql/v12/temporal
  [ "$db" = temporal_visibility ] && schema=postgresql/v12/visibility
  # `create` and `setup-schema -v 0.0` fail once done; `update-schema` then fails for real if the
  # database is unreachable.
  SQL_DATABASE=$db "$SQL_TOOL" create-database >/dev/null 2>&1 || true
  SQL_DATABASE=$db "$SQL_TOOL" setup-schema -v 0.0 >/dev/null 2>&1 || true
  SQL_DATABASE=$db "$SQL_TOOL" update-schema --schema-name "$schema"
done
