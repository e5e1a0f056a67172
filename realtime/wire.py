"""RFC 6455 framing for server → client text frames.

Server frames are not masked, so one encoded frame is byte-for-byte the same for every
socket: the fan-out builds it once per publish instead of once per viewer."""

import struct


def text_frame(payload: str) -> bytes:
    data = payload.encode("utf-8")
    length = len(data)
    if length < 126:
        header = struct.pack("!BB", 0x81, length)  # FIN + opcode 1 (text); no mask bit
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + data
