"""A real OpenID Connect provider on loopback for the OAuth2 sign-in's tests.

oidc-provider-mock (authlib's authorization server in Flask) served over https from a
throwaway certificate authority, at a path (https://localhost:PORT/town: msal takes an OpenID
authority only with one). It is a public client's provider as Microsoft's and Google's are: the
token endpoint takes a client with no secret ("none"), which the package leaves out. What the
provider was asked is recorded, so the tests can check PKCE (S256 of the verifier is the
challenge) themselves: the package does not.

`Browser` is the clerk at the browser: it opens the sign-in address, signs in as an account on
the provider's form, and follows the provider back to Front Counter's loopback listener.
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import oidc_provider_mock
import werkzeug.serving
from oidc_provider_mock import _app as provider_app
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from tests.upload_servers import make_certificates

# public clients (a desktop app) have no secret: Microsoft and Google take them with PKCE
for grant in (provider_app.AuthorizationCodeGrant, provider_app.RefreshTokenGrant):
    methods = list(grant.TOKEN_ENDPOINT_AUTH_METHODS)
    if "none" not in methods:
        grant.TOKEN_ENDPOINT_AUTH_METHODS = [*methods, "none"]


# the scopes Microsoft's and Google's providers grant for mail, beside OpenID's own
provider_app.Client.SCOPES_SUPPORTED = (
    *[s for s in provider_app.Client.SCOPES_SUPPORTED if s != "offline_access"],
    "offline_access",
    "https://outlook.office.com/SMTP.Send",
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://mail.google.com/",
)


def _not_found(_environ: Any, start: Any) -> Iterable[bytes]:
    start("404 Not Found", [("Content-Length", "0")])
    return [b""]


class Provider:
    """An OpenID provider at `issuer`; `ca` is the authority its certificate comes from."""

    def __init__(self, folder: Path, *, access_token_seconds: int = 3600) -> None:
        import datetime as dt

        self.ca, both = make_certificates(folder)
        self.asked: list[dict[str, str]] = []  # the authorization requests' queries
        self.token_forms: list[dict[str, str]] = []  # what the token endpoint was sent
        self.app = oidc_provider_mock.app(
            access_token_max_age=dt.timedelta(seconds=access_token_seconds)
        )
        self.app.logger.disabled = True
        inner = DispatcherMiddleware(_not_found, {"/town": self.app})

        def recording(environ: dict[str, Any], start: Any) -> Iterable[bytes]:
            path = environ.get("PATH_INFO", "")
            query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
            if path.endswith("/oauth2/authorize") and "state" in query:
                start = _with_state(start, query["state"])
            if path.endswith("/oauth2/authorize") and environ["REQUEST_METHOD"] == "GET":
                self.asked.append(dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""))))
            if path.endswith("/oauth2/token"):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length)
                self.token_forms.append(dict(urllib.parse.parse_qsl(body.decode())))
                import io

                environ["wsgi.input"] = io.BytesIO(body)
            return inner(environ, start)

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(both)
        self.server = werkzeug.serving.make_server(
            "127.0.0.1", 0, recording, threaded=True, ssl_context=context
        )
        self.issuer = f"https://localhost:{self.server.server_port}/town"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def trusting(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def userinfo(self, token: str) -> dict[str, Any] | None:
        """Who a bearer token is for, as a mail server asks the provider (None: not valid)."""
        request = urllib.request.Request(
            self.issuer + "/userinfo", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request, context=self.trusting(), timeout=10) as answer:
                said = json.loads(answer.read())
        except OSError:
            return None
        return said if isinstance(said, dict) else None

    def revoke(self, account: str) -> None:
        """The town's administrator revokes the account's sessions at the provider."""
        request = urllib.request.Request(
            f"{self.issuer}/users/{urllib.parse.quote(account)}/revoke-tokens", method="POST"
        )
        with urllib.request.urlopen(request, context=self.trusting(), timeout=10):
            pass

    def pkce_kept(self) -> bool:
        """Every code was asked for with an S256 challenge and traded with its verifier."""
        challenges = [a.get("code_challenge") for a in self.asked]
        verifiers = [f.get("code_verifier") for f in self.token_forms if "code" in f]
        if not challenges or len(challenges) != len(verifiers):
            return False
        for asked, verifier in zip(self.asked, verifiers, strict=True):
            if asked.get("code_challenge_method") != "S256" or not verifier:
                return False
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != asked["code_challenge"]:
                return False
        return True


def _with_state(start: Any, state: str) -> Any:
    """The package sends a refusal back without the request's state; RFC 6749 4.1.2.1 (and
    Microsoft and Google) send it: added here."""

    def starting(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
        fixed = []
        for name, value in headers:
            if name.lower() == "location" and "error=" in value and "state=" not in value:
                value += ("&" if "?" in value else "?") + urllib.parse.urlencode({"state": state})
            fixed.append((name, value))
        return start(status, fixed, *rest)

    return starting


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


class Browser:
    """The clerk's browser: opens the sign-in page, signs in as `account` (or denies)."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.came_back: str = ""

    def sign_in(self, url: str, account: str, *, deny: bool = False) -> str:
        """Sign in on the provider's form; the page Front Counter's listener showed."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=self.provider.trusting()), _NoRedirect()
        )
        with opener.open(url, timeout=10) as page:  # the form, as a browser shows it
            assert page.status == 200
        form = {"action": "deny"} if deny else {"sub": account}
        try:
            opener.open(url, data=urllib.parse.urlencode(form).encode(), timeout=10)
            raise AssertionError("the provider did not send the browser back")
        except urllib.error.HTTPError as back:
            assert back.code in (302, 303), back.code
            location = back.headers["Location"]
        self.came_back = location
        with urllib.request.urlopen(location, timeout=10) as listener:
            return str(listener.read().decode())
