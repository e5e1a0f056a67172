import asyncio
import json


async def next_frame(ws, predicate, timeout=5.0):
    """The next JSON frame from a `websockets` client for which predicate(frame) holds."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if predicate(frame):
                return frame
