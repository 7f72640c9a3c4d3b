#!/usr/bin/env bash
# Run once by the postgres image when its data volume is created (/docker-entrypoint-initdb.d): the cluster's
# application role `swarm` — it logs in and owns the database `swarm`, and is no superuser, creates no roles and no
# databases. The migrator and every service use it; the superuser `postgres` is for set-up only.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -v pw="$SWARM_PG_PASSWORD" --username "$POSTGRES_USER" --dbname postgres <<'SQL'
CREATE ROLE swarm LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'pw';
CREATE DATABASE swarm OWNER swarm;
REVOKE ALL ON DATABASE swarm FROM PUBLIC;
SQL
