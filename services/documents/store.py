"""The object store adapter (any S3: SeaweedFS, MinIO, a cloud bucket) over aiobotocore.

`ObjectWriter` takes sealed bytes as they come and sends them as S3 multipart parts of
`PART` bytes (the S3 minimum is 5 MiB), one part in flight while the next fills, so an upload
holds at most two parts in memory; an object smaller than one part is a single PUT. Until
`commit`, nothing is visible under the key; `abort` (any failure, refusal or interruption)
leaves no object and no pending upload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

log = logging.getLogger(__name__)
PART = 5 * 1024 * 1024
READ_CHUNK = 256 * 1024


class ObjectStore:
    def __init__(self, endpoint: str, bucket: str, access_key: str, secret_key: str,
                 region: str = "us-east-1") -> None:
        self.endpoint, self.bucket, self.region = endpoint, bucket, region
        self._creds = (access_key, secret_key)
        self._exit: contextlib.AsyncExitStack | None = None
        self.client: Any = None

    @classmethod
    def from_settings(cls, settings) -> ObjectStore:
        if not settings.s3_endpoint:
            raise RuntimeError("AUDIENSI_S3_ENDPOINT is not set (audiensi up and the tests "
                               "start a local SeaweedFS and set it)")
        return cls(settings.s3_endpoint, settings.s3_bucket, settings.s3_access_key or "",
                   settings.s3_secret_key or "", settings.s3_region)

    async def start(self) -> None:
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session

        self._exit = contextlib.AsyncExitStack()
        config = AioConfig(s3={"addressing_style": "path"}, signature_version="s3v4",
                           connect_timeout=5, read_timeout=30,
                           retries={"max_attempts": 3, "mode": "standard"})
        self.client = await self._exit.enter_async_context(get_session().create_client(
            "s3", endpoint_url=self.endpoint, region_name=self.region, config=config,
            aws_access_key_id=self._creds[0], aws_secret_access_key=self._creds[1]))

    async def stop(self) -> None:
        if self._exit is not None:
            await self._exit.aclose()
            self._exit = None

    async def ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            await self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            with contextlib.suppress(ClientError):  # another worker made it meanwhile
                await self.client.create_bucket(Bucket=self.bucket)
            await self.client.head_bucket(Bucket=self.bucket)

    async def reachable(self) -> bool:
        try:
            await self.client.head_bucket(Bucket=self.bucket)
            return True
        except Exception:  # noqa: BLE001 - any failure means not ready
            return False

    def writer(self, key: str) -> ObjectWriter:
        return ObjectWriter(self.client, self.bucket, key)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        response = await self.client.get_object(Bucket=self.bucket, Key=key)
        body = response["Body"]
        try:
            while chunk := await body.read(READ_CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await self.client.delete_object(Bucket=self.bucket, Key=key)


class ObjectWriter:
    def __init__(self, client: Any, bucket: str, key: str, part_size: int = PART) -> None:
        self.client, self.bucket, self.key, self.part_size = client, bucket, key, part_size
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._in_flight: asyncio.Task | None = None
        self.written = 0

    async def write(self, data: bytes) -> None:
        self._buffer += data
        self.written += len(data)
        while len(self._buffer) >= self.part_size:
            part = bytes(self._buffer[:self.part_size])
            del self._buffer[:self.part_size]
            await self._send(part)

    async def _settle(self) -> None:
        """Wait for the part in flight (its error raised here)."""
        if self._in_flight is not None:
            task, self._in_flight = self._in_flight, None
            await task

    async def _send(self, part: bytes) -> None:
        """Send a part while the caller goes on reading: the previous one must be done."""
        await self._settle()
        if self._upload_id is None:
            created = await self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key)
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        self._parts.append({"PartNumber": number, "ETag": None})
        self._in_flight = asyncio.create_task(self._upload_part(number, part))

    async def _upload_part(self, number: int, part: bytes) -> None:
        sent = await self.client.upload_part(Bucket=self.bucket, Key=self.key, Body=part,
                                             UploadId=self._upload_id, PartNumber=number)
        self._parts[number - 1]["ETag"] = sent["ETag"]

    async def commit(self) -> None:
        """Make the object visible under its key."""
        if self._upload_id is None:
            await self.client.put_object(Bucket=self.bucket, Key=self.key,
                                         Body=bytes(self._buffer))
        else:
            if self._buffer:
                await self._send(bytes(self._buffer))
            await self._settle()
            await self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts})
        self._buffer.clear()

    async def abort(self) -> None:
        """Drop what was sent; never raises (it runs on the way out of a failure)."""
        self._buffer.clear()
        if self._in_flight is not None:
            with contextlib.suppress(BaseException):
                await self._settle()
        if self._upload_id is None:
            return
        try:
            await self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key,
                                                     UploadId=self._upload_id)
        except Exception:  # noqa: BLE001
            log.warning("multipart upload not aborted", extra={"key": self.key})
        self._upload_id = None
