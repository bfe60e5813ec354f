"""python-glanceclient's `glance` command, sending Loupe's identity headers with every request.

Loupe's default auth_strategy (headers) trusts the identity an authenticating proxy such as keystonemiddleware
puts in X-Identity-Status, X-Project-Id, X-User-Id and X-Roles. glanceclient's HTTP client can send those itself
(its identity_headers argument, which the command line does not expose), so this wrapper sets them from the
LOUPE_PROJECT, LOUPE_USER and LOUPE_ROLES environment variables and then runs the unchanged command line.
"""
import os
import sys

from glanceclient.common import http

_original_init = http.HTTPClient.__init__


def _init_with_identity(self, endpoint, **kwargs):
    kwargs["identity_headers"] = {
        "X-Identity-Status": "Confirmed",
        "X-Project-Id": os.environ["LOUPE_PROJECT"],
        "X-User-Id": os.environ["LOUPE_USER"],
        "X-Roles": os.environ["LOUPE_ROLES"],
    }
    _original_init(self, endpoint, **kwargs)


http.HTTPClient.__init__ = _init_with_identity

from glanceclient.shell import main  # noqa: E402  (after the patch, so the CLI builds the patched client)

sys.exit(main())
