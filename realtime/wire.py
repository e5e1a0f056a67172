"""RFC 6455 framing for server → client frames: text (JSON) and binary (msgpack).

Server frames are not masked, so one encoded frame is byte-for-byte the same for every
socket: the fan-out builds it once per publish instead of once per viewer."""

import struct


def _frame(first_byte: int, data: bytes) -> bytes:
    length = len(data)
    if length < 126:
        header = struct.pack("!BB", first_byte, length)  # no mask bit
    elif length < 1 << 16:
        header = struct.pack("!BBH", first_byte, 126, length)
    else:
        header = struct.pack("!BBQ", first_byte, 127, length)
    return header + data


def text_frame(payload: str) -> bytes:
    return _frame(0x81, payload.encode("utf-8"))  # FIN + opcode 1 (text)


def binary_frame(payload: bytes) -> bytes:
    return _frame(0x82, payload)  # FIN + opcode 2 (binary)
