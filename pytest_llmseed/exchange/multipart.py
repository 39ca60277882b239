"""multipart/form-data bodies (file uploads, audio transcription): parsed, summarized, rebuilt.

The boundary is random per request, so two uploads of the same form never have equal bytes:
they are matched on their fields, stored as their parts (readable), and shown in ``calls``
and goldens as their fields, files summarized by size and digest. Parsed by ``email``.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

STORED_KEY = "multipart"


def boundary(content_type: str) -> str | None:
    """The boundary of a multipart/form-data content type, or None for any other type."""
    head, _, params = content_type.partition(";")
    if head.strip().lower() != "multipart/form-data":
        return None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary" and value:
            return value.strip('"')
    return None


def parts(content_type: str, body: bytes | str) -> list[dict[str, Any]] | None:
    """The form's parts (name, filename, content type, data), or None if it is not one."""
    if boundary(content_type) is None:
        return None
    # Imported here: email's header parser is slow to import, and only uploads need it.
    import email.parser
    import email.policy

    raw = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        return None
    found = []
    for part in message.iter_parts():
        data = part.get_payload(decode=True)
        # email gives header objects (str subclasses): plain str for YAML and comparison.
        found.append(
            {
                "name": _plain(part.get_param("name", header="content-disposition")),
                "filename": _plain(part.get_filename()),
                "content_type": _plain(part.get("content-type")),
                "data": data if isinstance(data, bytes) else b"",
            }
        )
    return found


def _plain(value: Any) -> str | None:
    return None if value is None else str(value)


def fields(content_type: str, body: bytes | str) -> dict[str, Any] | None:
    """The form as data: text fields as text, files as name, type, size and sha256."""
    found = parts(content_type, body)
    if found is None:
        return None
    form: dict[str, list[Any]] = {}
    for part in found:
        data: bytes = part["data"]
        if part["filename"] is None and _text(data) is not None:
            value: Any = _text(data)
        else:
            value = {
                "filename": part["filename"],
                "content_type": part["content_type"],
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        form.setdefault(str(part["name"]), []).append(value)
    # A field sent once is shown as its value; a repeated one (``include[]``) as the list.
    return {name: values[0] if len(values) == 1 else values for name, values in form.items()}


def _text(data: bytes) -> str | None:
    """The data as text if it is UTF-8 without control characters (other than whitespace)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\r\n\t" for c in text):
        return None
    return text


def to_stored(content_type: str, body: bytes | str) -> dict[str, Any] | None:
    """The body as it is stored in a cassette: the boundary and each part, readable."""
    found = parts(content_type, body)
    if found is None:
        return None
    stored = []
    for part in found:
        item = {k: part[k] for k in ("name", "filename", "content_type") if part[k] is not None}
        text = _text(part["data"])
        if text is not None:
            item["content"] = text
        else:
            item["content_base64"] = base64.b64encode(part["data"]).decode("ascii")
        stored.append(item)
    return {"boundary": boundary(content_type), "parts": stored}


def from_stored(stored: dict[str, Any]) -> bytes:
    """The body bytes again (the SDK's layout), from what ``to_stored`` gave."""
    mark = f"--{stored['boundary']}".encode()
    out = b""
    for part in stored.get("parts") or []:
        disposition = f'form-data; name="{part.get("name")}"'
        if part.get("filename") is not None:
            disposition += f'; filename="{part["filename"]}"'
        head = f"Content-Disposition: {disposition}\r\n"
        if part.get("content_type"):
            head += f"Content-Type: {part['content_type']}\r\n"
        if "content_base64" in part:
            data = base64.b64decode(part["content_base64"])
        else:
            data = str(part.get("content", "")).encode("utf-8")
        out += mark + b"\r\n" + head.encode() + b"\r\n" + data + b"\r\n"
    return out + mark + b"--\r\n"
