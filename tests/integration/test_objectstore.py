"""The local object store (`stack.objectstore`): a real SeaweedFS that answers signed S3
requests only, and keeps its objects across a restart."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from stack.objectstore import S3Credentials, s3_client


def test_signed_requests_store_and_read_an_object(object_store):
    client = object_store.server.client()
    try:
        client.put_object(Bucket=object_store.server.bucket, Key="probe/one", Body=b"hello")
        assert object_store.read("probe/one") == b"hello"
    finally:
        client.delete_object(Bucket=object_store.server.bucket, Key="probe/one")
        client.close()


def test_a_wrong_secret_is_refused(object_store):
    creds = object_store.server.credentials
    client = s3_client(object_store.server.endpoint, S3Credentials(creds.access_key, "wrong"))
    try:
        with pytest.raises(ClientError) as refused:
            client.list_objects_v2(Bucket=object_store.server.bucket)
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    finally:
        client.close()


def test_an_unsigned_request_is_refused(object_store):
    import httpx

    r = httpx.get(f"{object_store.server.endpoint}/{object_store.server.bucket}", timeout=5)
    assert r.status_code == 403


def test_a_restart_keeps_the_objects_and_the_credentials(tmp_path):
    """A store of its own (not the session's): stopped and started on its data dir, it has
    the same key pair and the object it held."""
    from stack.objectstore import ObjectStoreServer
    from tests.support.waiting import free_port

    server = ObjectStoreServer(tmp_path, free_port(), bucket="restart")
    try:
        server.start(timeout=90)
        before = server.credentials
        client = server.client()
        client.put_object(Bucket="restart", Key="k", Body=b"kept")
        client.close()
        server.stop()
        server.start(timeout=90)
        assert server.credentials == before
        client = server.client()
        try:
            assert client.get_object(Bucket="restart", Key="k")["Body"].read() == b"kept"
        finally:
            client.close()
    finally:
        server.stop()
