"""The TLS context of the plugin's OpenAI clients: the SDK's own, built at the first handshake.

The context the SDK's HTTP library makes by default (``httpx2`` / ``httpx``'s
``create_ssl_context()``: the CA store read from disk, or the platform's trust store) is
slow to build. A replayed test never opens a connection, so a CI run that only replays
would build it for nothing. The clients get a ``DeferredContext``: the library's own
context is built when a connection first asks for TLS, and it does every handshake, so what
is verified, and against which CAs (``SSL_CERT_FILE`` included), is exactly what the SDK
would verify.

Until then the object holds no CA certificate. Anything that used it directly, not through
``wrap_socket`` / ``wrap_bio``, would fail verification: it fails closed, never open.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["DeferredContext"]


class DeferredContext(ssl.SSLContext):
    """An ``ssl.SSLContext`` that hands each handshake to the context ``build`` returns.

    ``build`` runs once, at the first ``wrap_socket`` or ``wrap_bio``. httpcore sets the
    ALPN protocols on the context before each connection; they are passed on.
    """

    _build: Callable[[], ssl.SSLContext]
    _built: ssl.SSLContext | None
    _alpn: list[str] | None
    _lock: threading.Lock

    def __new__(cls, build: Callable[[], ssl.SSLContext]) -> DeferredContext:
        # PROTOCOL_TLS_CLIENT: certificate and host name checks on, and no CA loaded.
        self = super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)
        self._build = build
        self._built = None
        self._alpn = None
        self._lock = threading.Lock()
        return self

    @property
    def built(self) -> bool:
        """True once a handshake made the library's context."""
        return self._built is not None

    def context(self) -> ssl.SSLContext:
        """The library's context, built on the first call, with the ALPN protocols set here."""
        with self._lock:
            if self._built is None:
                built = self._build()
                if self._alpn is not None:
                    built.set_alpn_protocols(self._alpn)
                self._built = built
            return self._built

    def set_alpn_protocols(self, alpn_protocols: Any) -> None:
        protocols = list(alpn_protocols)
        super().set_alpn_protocols(protocols)
        with self._lock:
            self._alpn = protocols
            if self._built is not None:
                self._built.set_alpn_protocols(protocols)

    # The signatures are ssl.SSLContext's: callers pass these positionally (anyio does).
    def wrap_socket(  # noqa: PLR0917
        self,
        sock: Any,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLSocket:
        return self.context().wrap_socket(
            sock,
            server_side=server_side,
            do_handshake_on_connect=do_handshake_on_connect,
            suppress_ragged_eofs=suppress_ragged_eofs,
            server_hostname=server_hostname,
            session=session,
        )

    def wrap_bio(
        self,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
        server_side: bool = False,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLObject:
        return self.context().wrap_bio(
            incoming,
            outgoing,
            server_side=server_side,
            server_hostname=server_hostname,
            session=session,
        )
