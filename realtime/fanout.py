"""How one encoded frame reaches every socket of a group.

`ChannelLayerFanout` uses the configured channel layer's group_send (in-memory embedded,
Redis pub/sub in production). The frame is encoded once by the publisher; consumers write
it as-is. The event-peak work swaps in a per-process registry here without touching the
publisher or the domain."""

from channels.layers import get_channel_layer

FRAME_EVENT = "realtime.frame"


class ChannelLayerFanout:
    async def join(self, group: str, channel_name: str) -> None:
        await get_channel_layer().group_add(group, channel_name)

    async def leave(self, group: str, channel_name: str) -> None:
        await get_channel_layer().group_discard(group, channel_name)

    async def send(self, group: str, frame: str) -> None:
        await get_channel_layer().group_send(group, {"type": FRAME_EVENT, "frame": frame})
