"""Hooks users implement in ``conftest.py`` files (or plugins) to customize recording.

Registered by ``plugin.pytest_addhooks``. Each is called through the test's own hook
proxy (``item.ihook``), so a ``conftest.py`` applies to the tests in its directory and
below, as pytest's own hooks do, serially and under pytest-xdist alike.

Example ``conftest.py`` (``optionalhook=True`` keeps it working with ``-p no:llmseed``:
pytest refuses a ``pytest_*`` function it has no hookspec for unless it is optional)::

    import pytest

    @pytest.hookimpl(optionalhook=True)
    def pytest_llmseed_before_record_request(request):
        request.headers.pop("X-Tenant", None)
        return request

    @pytest.hookimpl(optionalhook=True)
    def pytest_llmseed_before_record_response(response):
        response["headers"].pop("x-request-id", None)
        return response

    @pytest.hookimpl(optionalhook=True)
    def pytest_llmseed_inject_seed(request, seed):
        return "/embeddings" not in request.path
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    import pluggy

hookspec = pytest.hookspec


@hookspec
def pytest_llmseed_before_record_request(request: Any) -> Any:
    """Change or drop a request before it is matched and recorded.

    ``request`` is vcrpy's ``vcr.request.Request`` (``method``, ``uri``, ``body``,
    ``headers``), already scrubbed of credentials. Return it (changed in place or a new
    one) or ``None`` to leave the interaction unrecorded. Called for live requests (before
    matching, so replay sees the same change) and for the requests of a cassette as it is
    loaded, as vcrpy's ``before_record_request``. Implementations are chained: each gets
    what the previous one returned, the ``conftest.py`` nearest the test first.

    In replay (record mode ``none``, or ``once`` with a cassette) a dropped live request is
    a miss: it was never recorded, and replay never goes to the network.
    """


@hookspec
def pytest_llmseed_before_record_response(response: dict[str, Any]) -> Any:
    """Change or drop a response before it is recorded.

    ``response`` is vcrpy's response dict (``status``, ``headers``, ``body``), already
    scrubbed. Return it (changed) or ``None`` to leave the interaction unrecorded. Chained
    like ``pytest_llmseed_before_record_request``; also called as a cassette is loaded.
    """


@hookspec(firstresult=True)
def pytest_llmseed_inject_seed(request: Any, seed: int) -> bool | None:
    """Decide whether ``seed`` goes into this request.

    Called for each Chat Completions / Completions request that would get the seed (it has
    none of its own). ``request`` is a ``vcr.request.Request`` of what would be sent. Return
    ``True`` to inject, ``False`` to send it unseeded, ``None`` for the test's setting
    (``inject_seed`` of the marker, on by default). The first non-``None`` answer wins.
    """


class UserHooks(NamedTuple):
    """The hooks of one test, each None when no ``conftest.py`` or plugin implements it."""

    before_record_request: Callable[[Any], Any] | None = None
    before_record_response: Callable[[Any], Any] | None = None
    inject_seed: Callable[[Any, int], bool | None] | None = None


NO_HOOKS = UserHooks()


def _chained(caller: pluggy.HookCaller, argument: str) -> Callable[[Any], Any] | None:
    """One function applying every implementation in pytest's call order, each getting
    what the previous returned; None stops the chain. None if there is no implementation."""
    # pluggy collects results instead of chaining them, and drops None results, so the
    # implementations are called one by one in the order pluggy would (last registered,
    # i.e. the nearest conftest.py, first; tryfirst/trylast respected).
    impls = [impl for impl in reversed(caller.get_hookimpls()) if not impl.wrapper]
    impls = [impl for impl in impls if not impl.hookwrapper]
    if not impls:
        return None

    def apply(value: Any) -> Any:
        for impl in impls:
            value = impl.function(**({argument: value} if impl.argnames else {}))
            if value is None:
                return None
        return value

    return apply


def user_hooks(ihook: Any) -> UserHooks:
    """The hooks implemented for a test, from its hook proxy (``item.ihook``)."""
    seed_caller = ihook.pytest_llmseed_inject_seed
    inject_seed = None
    if seed_caller.get_hookimpls():

        def inject_seed(request: Any, seed: int) -> bool | None:
            answer: bool | None = seed_caller(request=request, seed=seed)
            return answer

    return UserHooks(
        before_record_request=_chained(ihook.pytest_llmseed_before_record_request, "request"),
        before_record_response=_chained(ihook.pytest_llmseed_before_record_response, "response"),
        inject_seed=inject_seed,
    )
