"""Reading PHP's serialize() format, which original Kayako servers use for getSubmittedTicket."""


def php_unserialize(text: str, charset: str = "utf-8"):
    """Arrays become dicts (keys as found), strings str, ints int, floats float, N; None.

    The lengths in serialize()'s output count bytes, so the text is read in the character set
    the server wrote it in. Objects and references are refused: a ticket never contains them.
    """
    data = text.encode(charset)
    value, end = _read(data, 0, charset)
    if data[end:].strip():
        raise ValueError("trailing data after serialized value")
    return value


def _expect(data: bytes, position: int, token: bytes) -> int:
    if data[position : position + len(token)] != token:
        raise ValueError(f"expected {token!r} at {position}")
    return position + len(token)


def _until(data: bytes, position: int, stop: bytes) -> tuple[bytes, int]:
    end = data.find(stop, position)
    if end < 0:
        raise ValueError(f"missing {stop!r} after {position}")
    return data[position:end], end + len(stop)


def _read(data: bytes, position: int, charset: str):
    kind = data[position : position + 2]
    position += 2
    if kind == b"N;":
        return None, position
    if kind == b"b:":
        raw, position = _until(data, position, b";")
        return raw == b"1", position
    if kind == b"i:":
        raw, position = _until(data, position, b";")
        return int(raw), position
    if kind == b"d:":
        raw, position = _until(data, position, b";")
        return float(raw), position
    if kind == b"s:":
        raw, position = _until(data, position, b":")
        length = int(raw)
        position = _expect(data, position, b'"')
        value = data[position : position + length].decode(charset, errors="replace")
        position = _expect(data, position + length, b'";')
        return value, position
    if kind == b"a:":
        raw, position = _until(data, position, b":")
        count = int(raw)
        position = _expect(data, position, b"{")
        result = {}
        for _ in range(count):
            key, position = _read(data, position, charset)
            if not isinstance(key, int | str):
                raise ValueError("array keys must be ints or strings")
            result[key], position = _read(data, position, charset)
        position = _expect(data, position, b"}")
        return result, position
    raise ValueError(f"unsupported serialized type {kind!r} at {position - 2}")
