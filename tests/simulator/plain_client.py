"""A deliberately small client for the simulator tests: asyncio streams, no integration code."""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any

from simulator import Simulator, client_context

READ_LIMIT = 1 << 16
# A safety net against a hung test; nothing waits on it in a passing run.
READ_TIMEOUT = 10.0

type Fields = dict[str, str]


def frame(message: dict[str, Any]) -> bytes:
    """Encode a message as clients do: compact JSON, a space and a NUL."""
    return json.dumps(message, separators=(",", ":")).encode() + b" \x00"


def login_frame(key: str) -> bytes:
    """Return a Login request."""
    fields = {"device_id": "module", "device_type": "automation", "secret_key": key}
    return frame({"Request": {"Login": fields}})


class PlainClient:
    """Reads and writes whole frames over asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(
        cls,
        port: int,
        *,
        chain_pem: bytes | None,
        maximum_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    ) -> PlainClient:
        """Connect over TLS to 127.0.0.1:port."""
        loop = asyncio.get_running_loop()
        ctx = await loop.run_in_executor(
            None, lambda: client_context(chain_pem, maximum_version=maximum_version)
        )
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, limit=READ_LIMIT)
        return cls(reader, writer)

    async def send_bytes(self, data: bytes) -> None:
        """Write raw bytes."""
        self.writer.write(data)
        await self.writer.drain()

    async def send(self, message: dict[str, Any]) -> None:
        """Write one message."""
        await self.send_bytes(frame(message))

    async def request(self, name: str, fields: Fields) -> None:
        """Write one Request."""
        await self.send({"Request": {name: fields}})

    async def heartbeat(self) -> None:
        """Write a heartbeat."""
        await self.send({"Heartbeat": {}})

    async def raw_frame(self) -> bytes:
        """Read one frame, terminator included."""
        async with asyncio.timeout(READ_TIMEOUT):
            return await self.reader.readuntil(b"\x00")

    async def message(self) -> dict[str, Any]:
        """Read and parse one frame."""
        data = await self.raw_frame()
        parsed: dict[str, Any] = json.loads(data[:-1])
        return parsed

    async def event(self) -> tuple[str, Fields]:
        """Read one frame that must be an Event; return its name and fields."""
        message = await self.message()
        ((name, fields),) = message["Event"].items()
        return name, fields

    async def login(self, key: str) -> dict[str, Any]:
        """Log in and return the first reply."""
        await self.send_bytes(login_frame(key))
        return await self.message()

    async def burst(self, sim: Simulator) -> list[tuple[str, Fields]]:
        """Read as many events as the simulator's burst has."""
        return [await self.event() for _ in range(len(sim.plant.burst()) + len(sim.burst_extras))]

    async def login_and_sync(
        self, sim: Simulator, key: str | None = None
    ) -> list[tuple[str, Fields]]:
        """Log in with the simulator's key (or `key`) and read the whole burst."""
        count = len(sim.plant.burst()) + len(sim.burst_extras)
        return await self.login_and_sync_count(sim.secret_key if key is None else key, count)

    async def login_and_sync_count(self, key: str, count: int) -> list[tuple[str, Fields]]:
        """Log in and read `count` events."""
        assert await self.login(key) == {"Response": {"LoginResponse": {"status": "1"}}}
        return [await self.event() for _ in range(count)]

    async def read_to_end(self) -> bytes:
        """Read until EOF; raises on a reset."""
        async with asyncio.timeout(READ_TIMEOUT):
            return await self.reader.read()

    async def close(self) -> None:
        """Close without waiting for a TLS goodbye from a peer that may be gone."""
        self.writer.transport.abort()
        await asyncio.sleep(0)
