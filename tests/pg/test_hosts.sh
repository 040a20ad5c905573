#!/usr/bin/env bash
# tests/pg/test_hosts (two mail hosts on one database; the database
# failing under the module) on a private cluster of its own.
. "$(dirname "$0")/lib.sh"

pg_start
"$build/tests/pg/test_hosts"
