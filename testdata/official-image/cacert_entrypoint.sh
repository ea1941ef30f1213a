#!/bin/sh
# Stands for eclipse-temurin's /__cacert_entrypoint.sh, the official image's inherited entry
# point: without USE_SYSTEM_CA_CERTS it only execs its arguments.
exec "$@"
