"""Middleware that keeps the admin off the public internet: outside ``ADMIN_NETWORKS`` it is a 404."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any


class AdminNetworkFence:
    """Requests under ``settings.ADMIN_PATH`` from an address outside ``settings.ADMIN_NETWORKS`` get a 404.

    A 404, not a 403: from outside, the admin does not exist. ``REMOTE_ADDR`` is the TCP
    peer; behind a proxy, use the address the proxy you trust sets, never a header the
    client can send.
    """

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        from django.conf import settings
        from django.http import Http404

        prefix = getattr(settings, "ADMIN_PATH", "/admin/")
        if request.path.startswith(prefix):
            networks = [ipaddress.ip_network(network) for network in getattr(settings, "ADMIN_NETWORKS", [])]
            try:
                address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
            except ValueError:
                raise Http404() from None
            if not any(address in network for network in networks):
                raise Http404()
        return self.get_response(request)
