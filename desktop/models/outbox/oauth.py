"""Signing in to the town's mail account with OAuth2, for servers that take no password:
Microsoft 365 (basic authentication turned off), Gmail, and any OpenID Connect provider.

The mail server then gets a token instead of a password (SASL XOAUTH2, for SMTP and IMAP).

- **How the town sets it up** (settings, shared by every workstation): the provider, the
  client ID of the app the town registered with it, and for Microsoft the tenant (or, for
  another provider, its issuer URL). Google's "desktop app" clients also have a client secret;
  it is kept in the keyring like a password (or given to scripts in
  FRONTCOUNTER_MAIL_CLIENT_SECRET).
- **Signing in** (once per computer, as the mail account): `begin_sign_in` opens a listener on
  a loopback port and gives the address to open in the browser (the authorization code flow
  with PKCE, RFC 7636 and RFC 8252). The clerk signs in there as the town's mailbox. The
  provider sends the browser back to the listener with a code, and `SignIn.finish` trades the
  code for tokens. A different account signing in than the one set up is refused in words.
- **The tokens** are kept only in this computer's keyring, never in the database. A refresh
  token can be longer than Windows' Credential Manager keeps in one entry (2,560 bytes), so it
  is kept in pieces (`secret_store.remember_long_secret`).
- **Sending and reading** ask `access_token(user)`: the kept access token while it has a
  minute left, else a new one from the refresh token. A refused or revoked refresh token says
  "sign in again"; a provider that cannot be reached is a failure that waits and retries.

Microsoft 365 goes through msal (Microsoft's own library: its tenants, its token cache). The
others go through a plain authorization code flow here, because msal takes only Microsoft's
authorities and issuers with a path (Google's issuer has none).
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import http.server
import json
import logging
import os
import secrets
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop.i18n import _, ngettext
from desktop.models.errors import InputError
from desktop.models.outbox.failures import MailError
from desktop.models.staff import audit, permissions
from desktop.models.storage import secret_store
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import StaffUser
from desktop.models.town.settings import get_setting, set_settings

log = logging.getLogger("frontcounter.mail")

#: the keyring's name for the mail account's secrets: its password (mail.py) and its tokens
SERVICE = "Front Counter mail"
CLIENT_SECRET_VARIABLE = "FRONTCOUNTER_MAIL_CLIENT_SECRET"
PROVIDERS = ("microsoft", "google", "openid")
AUTHS = ("password", "oauth2")
MICROSOFT_AUTHORITY = "https://login.microsoftonline.com/organizations"
#: the hosts msal knows as Microsoft's own (any other authority is an OpenID issuer to it)
MICROSOFT_HOSTS = (
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
    "login.microsoft.com",
)
GOOGLE_ISSUER = "https://accounts.google.com"
#: what each provider is asked for: sending (SMTP) and reading (IMAP) the mailbox
SCOPES = {
    "microsoft": (
        "https://outlook.office.com/SMTP.Send",
        "https://outlook.office.com/IMAP.AccessAsUser.All",
    ),
    # openid email: the ID token says which account signed in (it must be the town's)
    "google": ("https://mail.google.com/", "openid", "email"),
    "openid": ("openid", "email", "offline_access"),
}
#: the provider's words for "this sign-in has ended: someone must sign in again"
ENDED = ("invalid_grant", "interaction_required", "consent_required", "login_required")
#: how long the browser may take to come back (the clerk signs in, maybe with a second factor)
SIGN_IN_SECONDS = 300
HTTP_SECONDS = 30
#: an access token with less than this left is renewed before it is used
SPARE_SECONDS = 60


@dataclass(frozen=True)
class OAuthSetup:
    provider: str  # "" when the town has not set OAuth2 up
    client_id: str
    authority: str  # Microsoft: the tenant's authority; others: the issuer

    @property
    def ready(self) -> bool:
        return self.provider in PROVIDERS and bool(self.client_id)

    @property
    def scopes(self) -> tuple[str, ...]:
        return SCOPES.get(self.provider, ())

    def as_dict(self) -> dict[str, object]:
        return {
            "provider": self.provider,
            "client_id": self.client_id,
            "authority": self.authority,
        }


def provider_words(setup: OAuthSetup) -> str:
    """The provider's name in a sentence: Microsoft 365, Gmail, or the other one's host."""
    if setup.provider == "microsoft":
        return _("Microsoft 365")
    if setup.provider == "google":
        return _("Gmail")
    return urllib.parse.urlsplit(setup.authority).hostname or setup.authority


def current() -> OAuthSetup:
    with reading():
        provider = str(get_setting("mail.oauth_provider") or "")
        authority = str(get_setting("mail.oauth_authority") or "")
        return OAuthSetup(
            provider=provider,
            client_id=str(get_setting("mail.oauth_client_id") or ""),
            authority=authority or _default_authority(provider),
        )


def _default_authority(provider: str) -> str:
    return {"microsoft": MICROSOFT_AUTHORITY, "google": GOOGLE_ISSUER}.get(provider, "")


def authority_for(provider: str, tenant_or_issuer: str) -> str:
    """The authority a town's answer means: a Microsoft tenant (its domain or ID) becomes
    https://login.microsoftonline.com/TENANT; a URL is taken as it is."""
    given = tenant_or_issuer.strip().rstrip("/")
    if not given:
        return _default_authority(provider)
    if given.startswith("https://"):
        return given
    if provider == "microsoft" and all(ch.isalnum() or ch in ".-" for ch in given):
        return f"https://login.microsoftonline.com/{given}"
    raise InputError(
        _("“{given}” is not a tenant (yourtown.onmicrosoft.com) nor an https:// address.").format(
            given=given[:80]
        )
    )


def save_setup(
    *,
    provider: str,
    client_id: str,
    tenant_or_issuer: str = "",
    client_secret: str | None = None,
    actor: StaffUser | None,
) -> tuple[OAuthSetup, str]:
    """Save how the town signs in with OAuth2; the client secret (if any) goes to the keyring.
    Returns the setup and a sentence when the secret could not be kept."""
    permissions.require(actor, permissions.SETTINGS_EDIT)
    client_id = client_id.strip()
    problems = []
    if provider not in PROVIDERS:
        problems.append(_("The provider is microsoft, google or openid."))
    if not client_id or len(client_id) > 200 or any(ch.isspace() for ch in client_id):
        problems.append(
            _("Give the client ID of the app the town registered with its mail provider.")
        )
    authority = ""
    try:
        authority = authority_for(provider, tenant_or_issuer)
    except InputError as exc:
        problems.append(str(exc))
    if provider == "openid" and not authority:
        problems.append(_("Give the provider's issuer, an https:// address."))
    if problems:
        raise InputError(" ".join(problems))
    set_settings(
        {
            "mail.oauth_provider": provider,
            "mail.oauth_client_id": client_id,
            "mail.oauth_authority": authority,
        },
        actor=actor,
    )
    setup = OAuthSetup(provider, client_id, authority)
    warning = ""
    if client_secret and not keep_client_secret(setup, client_secret):
        warning = _(
            "This computer has no keyring to keep the client secret: give it to scripts "
            "in {variable}."
        ).format(variable=CLIENT_SECRET_VARIABLE)

    def note() -> None:
        audit.record("setting", "mail", "mail_oauth_setup", None, setup.as_dict(), actor)

    write(note)
    return setup, warning


def _client_secret_name(setup: OAuthSetup) -> str:
    return f"oauth-client:{setup.provider}:{setup.client_id}"


def keep_client_secret(setup: OAuthSetup, secret: str) -> bool:
    """Keep the app's client secret in this computer's keyring (each computer that signs in
    needs it; no settings right is needed to give it, as for a password)."""
    return secret_store.remember_secret(SERVICE, _client_secret_name(setup), secret.strip())


def client_secret(setup: OAuthSetup) -> str | None:
    return os.environ.get(CLIENT_SECRET_VARIABLE) or secret_store.secret(
        SERVICE, _client_secret_name(setup)
    )


def _token_name(user: str) -> str:
    return f"oauth:{user.strip().lower()}"


def _kept(setup: OAuthSetup, user: str) -> dict[str, Any] | None:
    """What this computer keeps for `user`, if it was signed in with this same setup."""
    said = secret_store.long_secret(SERVICE, _token_name(user))
    if not said:
        return None
    try:
        kept = json.loads(said)
    except ValueError:
        return None
    if not isinstance(kept, dict):
        return None
    if (kept.get("provider"), kept.get("client_id"), kept.get("authority")) != (
        setup.provider,
        setup.client_id,
        setup.authority,
    ):
        return None  # signed in under another set-up: sign in again
    return kept


def _keep(setup: OAuthSetup, user: str, values: dict[str, Any]) -> bool:
    kept = setup.as_dict() | {"user": user.strip().lower()} | values
    return secret_store.remember_long_secret(SERVICE, _token_name(user), json.dumps(kept))


def signed_in(user: str) -> bool:
    """Whether this computer keeps a sign-in for `user` under the town's set-up."""
    setup = current()
    return setup.ready and bool(user) and _kept(setup, user) is not None


def sign_out(user: str) -> None:
    """Forget this computer's tokens for `user` (they stay valid at the provider until they
    expire or are revoked there)."""
    secret_store.forget_long_secret(SERVICE, _token_name(user))


def sign_in_with_token(user: str, attempt: Callable[[str], None], refused: type[Exception]) -> None:
    """Give `attempt` (a SASL XOAUTH2 exchange) the kept token for `user`; when the server
    refuses it (`refused`: revoked, or the app's rights changed), once more with a new one.
    A second refusal is the caller's to say."""
    try:
        attempt(access_token(user))
    except refused:
        attempt(access_token(user, fresh=True))


def xoauth2(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64), as Google and Microsoft define it."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


class SignInNeeded(MailError):
    """The provider will give no token until someone signs in again on this computer."""


def _sign_in_again(user: str, why: str = "") -> SignInNeeded:
    sentence = _(
        "Front Counter is not signed in to the mail account {user} on this computer, or its "
        "sign-in expired: Settings → Email → Sign in, or frontcounter mail sign-in."
    ).format(user=user)
    return SignInNeeded(sentence + (f" ({why})" if why else ""), lasting=True)


# -- the browser comes back: a listener on a loopback port -------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Listener
    #: an idle connection (a browser opening one ahead, any local program) is dropped
    timeout = 10

    def do_GET(self) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        listener = self.server
        if not ("code" in query or "error" in query):
            self.send_response(404)  # a favicon, a probe: not the provider's answer
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        # only an answer with this sign-in's state ends it (RFC 6749 4.1.2: errors carry it too)
        ours = bool(query.get("state")) and query.get("state") == listener.state
        if ours and "error" in query:
            page = _("The sign-in did not finish: {why}. You may close this tab.").format(
                why=query.get("error_description") or query["error"]
            )
        elif ours:
            page = _(
                "Signed in: Front Counter finishes the sign-in now. You may close this tab and "
                "go back to it."
            )
        elif "error" in query and "state" not in query:
            page = _(
                "The sign-in did not finish. Go back to Front Counter, press Cancel and sign in "
                "again."
            )
        else:
            page = _("This sign-in page is not the one Front Counter opened. Start again.")
        body = (
            "<!doctype html><meta charset='utf-8'><title>Front Counter</title>"
            f"<p style='font:16px sans-serif;margin:3em'>{html.escape(page)}</p>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)
        if ours:
            listener.answer = query
            listener.answered.set()

    def log_message(self, format: str, *args: Any) -> None:
        return  # the address holds the code: never in a log


class _Listener(http.server.ThreadingHTTPServer):
    """Each connection on its own thread: one that never sends keeps nothing waiting."""

    daemon_threads = True

    def __init__(self, state: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.answer: dict[str, str] = {}
        self.answered = threading.Event()
        self.stopped = threading.Event()

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self.server_address[1]}/"


@dataclass
class SignIn:
    """A sign-in under way: open `url` in a browser, then `finish` (it waits for the browser).
    Its listener closes when it finishes, is cancelled, or in any case after `SIGN_IN_SECONDS`
    and a minute (a caller that never finishes leaves no port open)."""

    setup: OAuthSetup
    user: str
    url: str
    _listener: _Listener
    _complete: Callable[[dict[str, str]], dict[str, Any]]
    _thread: threading.Thread = field(init=False)
    _expiry: threading.Timer = field(init=False)
    _closed: threading.Event = field(init=False, default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(
            target=self._listener.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._thread.start()
        self._expiry = threading.Timer(SIGN_IN_SECONDS + 60, self._expire)
        self._expiry.daemon = True
        self._expiry.start()

    def _expire(self) -> None:
        self.cancel()
        self.close()

    def cancel(self) -> None:
        """Stop waiting (the clerk cancelled); `finish` then says so."""
        self._listener.stopped.set()
        self._listener.answered.set()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._expiry.cancel()
        self._listener.shutdown()  # the accepting loop only: connections are on their own
        self._listener.server_close()

    def __enter__(self) -> SignIn:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.cancel()
        self.close()

    def finish(self, *, timeout: float = SIGN_IN_SECONDS) -> str:
        """Wait for the browser, trade its code for tokens and keep them; the account signed
        in. InputError when the clerk cancelled, the time ran out, or the provider said no."""
        try:
            if not self._listener.answered.wait(timeout) or self._listener.stopped.is_set():
                if self._listener.stopped.is_set():
                    raise InputError(_("The sign-in was cancelled."))
                minutes = max(1, round(timeout / 60))
                raise InputError(
                    ngettext(
                        "The browser did not come back within {n} minute: sign in again.",
                        "The browser did not come back within {n} minutes: sign in again.",
                        minutes,
                    ).format(n=minutes)
                )
            answer = dict(self._listener.answer)
        finally:
            self.close()
        if "error" in answer:
            raise InputError(
                _("{provider} did not sign in: {why}").format(
                    provider=provider_words(self.setup),
                    why=answer.get("error_description") or answer["error"],
                )
            )
        tokens = self._complete(answer)
        who = _who(tokens)
        # Microsoft 365 lets a person sign in for a shared mailbox they may use (and a sign-in
        # name may differ from the address); Google and others give a token for one account
        if (
            self.setup.provider != "microsoft"
            and who
            and "@" in who
            and who.lower() != self.user.lower()
        ):
            raise InputError(
                _(
                    "You signed in as {who}, not as the town's mail account {user}: sign in "
                    "again as {user} (in the browser, choose “Use another account”)."
                ).format(who=who, user=self.user)
            )
        if not _keep(self.setup, self.user, tokens["keep"]):
            raise InputError(
                _(
                    "The sign-in could not be kept in this computer's keyring: try again, or "
                    "check the keyring (Windows: Credential Manager)."
                )
            )
        return who or self.user


def signed_in_words(who: str, account: str) -> str:
    if who.lower() == account.lower():
        return _("Signed in as {user}: email goes out with this sign-in.").format(user=account)
    return _(
        "Signed in as {who} for the mail account {user}: email goes out with this sign-in "
        "({who} must be allowed to use {user})."
    ).format(who=who, user=account)


def _no_keyring() -> str:
    return _(
        "This computer has no keyring to keep the sign-in: Windows keeps one for every user; "
        "on Linux, GNOME Keyring or KWallet."
    )


def _who(tokens: dict[str, Any]) -> str:
    claims = tokens.get("claims") or {}
    for name in ("preferred_username", "email", "upn", "unique_name", "sub"):
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def begin_sign_in(user: str, *, new_client_secret: str | None = None) -> SignIn:
    """Start signing in as the mail account `user`: the listener is open, the address to
    open in a browser is `SignIn.url`. `new_client_secret`: the app's secret, given on this
    computer (kept in its keyring)."""
    setup = current()
    user = user.strip()
    if not setup.ready:
        raise InputError(
            _(
                "OAuth2 is not set up: frontcounter mail oauth --provider microsoft "
                "--client-id ID (Settings → Email)."
            )
        )
    if not user:
        raise InputError(_("Give the mail account to sign in as (the town's address)."))
    if not secret_store.keyring_usable():  # said before the clerk signs in for nothing
        raise InputError(_no_keyring())
    if new_client_secret and new_client_secret.strip():
        keep_client_secret(setup, new_client_secret)
    if setup.provider == "google" and not client_secret(setup):
        raise InputError(
            _(
                "Gmail needs the client secret of the town's app on this computer: type it in "
                "Settings → Email (Client secret) and sign in again, or give it in {variable}."
            ).format(variable=CLIENT_SECRET_VARIABLE)
        )
    state = secrets.token_urlsafe(24)
    listener = _Listener(state)
    try:
        if setup.provider == "microsoft":
            url, complete = _microsoft_flow(setup, user, listener.redirect_uri, state)
        else:
            url, complete = _plain_flow(setup, user, listener.redirect_uri, state)
    except BaseException:
        listener.server_close()
        raise
    return SignIn(setup, user, url, listener, complete)


# -- Microsoft 365, through msal -----------------------------------------------------------------


_MSAL_APPS: dict[tuple[str, str], Any] = {}
_MSAL_LOCK = threading.Lock()


def _msal_app(setup: OAuthSetup) -> Any:
    """msal's application for the town's client (made once: it reads the authority's
    metadata from the network), with an empty token cache to be filled from the keyring."""
    import msal  # imported when needed: start-up time
    import requests

    key = (setup.client_id, setup.authority)
    with _MSAL_LOCK:
        app = _MSAL_APPS.get(key)
        if app is None:
            host = urllib.parse.urlsplit(setup.authority).hostname or ""
            where: dict[str, str] = (
                {"authority": setup.authority}
                if host in MICROSOFT_HOSTS
                else {"oidc_authority": setup.authority}
            )
            try:
                app = msal.PublicClientApplication(
                    setup.client_id,
                    token_cache=msal.SerializableTokenCache(),
                    timeout=HTTP_SECONDS,
                    **where,
                )
            except (requests.RequestException, OSError) as exc:
                raise _unreachable(setup, exc) from None
            except ValueError as exc:  # msal: an authority it does not take
                raise InputError(
                    _("{authority} is not an authority msal can sign in with: {why}").format(
                        authority=setup.authority, why=exc
                    )
                ) from None
            _MSAL_APPS[key] = app
        return app


def _microsoft_flow(
    setup: OAuthSetup, user: str, redirect_uri: str, state: str
) -> tuple[str, Callable[[dict[str, str]], dict[str, Any]]]:
    import requests

    app = _msal_app(setup)
    with warnings.catch_warnings():
        # msal recommends form_post; the code comes back in the address, as Google's does: it
        # goes only to this computer's loopback listener, and is worth nothing without the
        # PKCE verifier that never leaves this process
        warnings.simplefilter("ignore", UserWarning)
        flow = app.initiate_auth_code_flow(
            list(setup.scopes),
            redirect_uri=redirect_uri,
            state=state,
            login_hint=user,
            prompt="select_account",
        )

    def complete(answer: dict[str, str]) -> dict[str, Any]:
        import msal

        cache = msal.SerializableTokenCache()
        with _MSAL_LOCK:
            app.token_cache = cache
            try:
                result = app.acquire_token_by_auth_code_flow(flow, answer)
            except (requests.RequestException, OSError) as exc:
                raise _unreachable(setup, exc) from None
            except ValueError as exc:  # msal: the answer does not belong to this flow
                raise InputError(_("The sign-in did not finish: {why}").format(why=exc)) from None
        if "access_token" not in result:
            raise InputError(
                _("Microsoft 365 did not sign in: {why}").format(why=_msal_error(result))
            )
        return {"claims": result.get("id_token_claims") or {}, "keep": {"msal": cache.serialize()}}

    return str(flow["auth_uri"]), complete


def _msal_error(result: dict[str, Any]) -> str:
    said = str(result.get("error_description") or result.get("error") or result)
    return " ".join(said.split())[:300]


def _microsoft_token(setup: OAuthSetup, user: str, kept: dict[str, Any], fresh: bool) -> str:
    import msal
    import requests

    app = _msal_app(setup)
    with _MSAL_LOCK:  # one renewal at a time; the keyring written before the next reads it
        latest = _kept(setup, user) or kept
        cache = msal.SerializableTokenCache()
        cache.deserialize(str(latest.get("msal") or "{}"))
        app.token_cache = cache
        accounts = app.get_accounts()
        if not accounts:
            raise _sign_in_again(user)
        mine = [a for a in accounts if str(a.get("username", "")).lower() == user.lower()]
        try:
            result = app.acquire_token_silent_with_error(
                list(setup.scopes), account=(mine or accounts)[0], force_refresh=fresh
            )
        # ValueError: an answer that is not JSON (a proxy's page, an outage)
        except (requests.RequestException, OSError, ValueError) as exc:
            raise _unreachable(setup, exc) from None
        if not result or "access_token" not in result:
            error = str(result.get("error", "")) if result else ""
            if error and error not in ENDED:  # busy, throttled, a service error: for now
                raise _busy(setup, _msal_error(result or {}))
            if error == "invalid_grant":
                _forget_if_still(setup, user, "msal", str(latest.get("msal")))
            raise _sign_in_again(user, _msal_error(result) if result else "")
        if cache.has_state_changed and not _keep(setup, user, {"msal": cache.serialize()}):
            log.warning("the renewed mail token could not be kept in the keyring")
    return str(result["access_token"])


# -- Gmail and other OpenID providers: the authorization code flow with PKCE ------------------


_METADATA: dict[str, dict[str, Any]] = {}


def _http(
    setup: OAuthSetup, url: str, form: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    """GET (or POST a form to) the provider; its status and JSON answer."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(
            request, timeout=HTTP_SECONDS, context=ssl.create_default_context()
        ) as answer:
            status, body = answer.status, answer.read(1_000_000)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(1_000_000)
    except (TimeoutError, urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise _unreachable(setup, exc) from None
    try:
        said = json.loads(body or b"{}")
    except ValueError:
        said = {}
    return status, said if isinstance(said, dict) else {}


def _unreachable(setup: OAuthSetup, exc: BaseException) -> MailError:
    reason = getattr(exc, "reason", None) or exc
    return MailError(
        _(
            "{provider} could not be reached to sign in ({reason}): the notices wait and go "
            "when it answers."
        ).format(provider=provider_words(setup), reason=str(reason) or type(exc).__name__)
    )


def _busy(setup: OAuthSetup, why: str) -> MailError:
    return MailError(
        _("{provider} could not sign in just now ({why}): it is tried again.").format(
            provider=provider_words(setup), why=why
        )
    )


def _metadata(setup: OAuthSetup) -> dict[str, Any]:
    found = _METADATA.get(setup.authority)
    if found is None:
        url = setup.authority.rstrip("/") + "/.well-known/openid-configuration"
        status, found = _http(setup, url)
        if status >= 500 or status == 429 or (status == 200 and not found):
            # the provider busy, or a page that is not its (a hotel's or a proxy's): for now
            raise _unreachable(setup, RuntimeError(f"{url}: {status}"))
        if status != 200 or "authorization_endpoint" not in found or "token_endpoint" not in found:
            raise InputError(
                _("{url} does not describe an OpenID provider (it answered {status}).").format(
                    url=url, status=status
                )
            )
        _METADATA[setup.authority] = found
    return found


def _claims(id_token: object) -> dict[str, Any]:
    """The claims of an ID token, read to say who signed in (its signature is the provider's
    business over https; nothing is trusted because of it)."""
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return {}
    payload = id_token.split(".")[1]
    try:
        said = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return {}
    return said if isinstance(said, dict) else {}


def _plain_flow(
    setup: OAuthSetup, user: str, redirect_uri: str, state: str
) -> tuple[str, Callable[[dict[str, str]], dict[str, Any]]]:
    metadata = _metadata(setup)
    verifier = secrets.token_urlsafe(64)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = {
        "client_id": setup.client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": " ".join(setup.scopes),
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": user,
        "prompt": "consent select_account" if setup.provider == "google" else "select_account",
    }
    if setup.provider == "google":
        query["access_type"] = "offline"  # a refresh token
    url = metadata["authorization_endpoint"] + "?" + urllib.parse.urlencode(query)

    def complete(answer: dict[str, str]) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": answer.get("code", ""),
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        tokens = _token_request(setup, form, user)
        if "refresh_token" not in tokens:
            raise InputError(
                _(
                    "{provider} signed in but gave no refresh token, so Front Counter would "
                    "have to be signed in again within the hour: check the app's settings there."
                ).format(provider=provider_words(setup))
            )
        return {"claims": _claims(tokens.get("id_token")), "keep": _token_fields(tokens)}

    return url, complete


def _token_fields(tokens: dict[str, Any], refresh: str = "") -> dict[str, Any]:
    lifetime = str(tokens.get("expires_in", ""))
    seconds = int(lifetime) if lifetime.isdigit() else 3600
    return {
        "access_token": str(tokens["access_token"]),
        "expires_at": time.time() + seconds,
        "refresh_token": str(tokens.get("refresh_token") or refresh),
    }


def _token_request(setup: OAuthSetup, form: dict[str, str], user: str) -> dict[str, Any]:
    """POST to the token endpoint; the tokens, or InputError/MailError in words. A refused
    code (signing in) is InputError; a refused refresh token is SignInNeeded."""
    form = form | {"client_id": setup.client_id}
    secret = client_secret(setup)
    if secret:
        form["client_secret"] = secret
    status, said = _http(setup, _metadata(setup)["token_endpoint"], form)
    if status == 200 and isinstance(said.get("access_token"), str):
        return said
    error = str(said.get("error") or status)
    why = " ".join(str(said.get("error_description") or error).split())[:300]
    if error == "invalid_grant":
        if form.get("grant_type") == "authorization_code":  # a code used, late, or not ours
            raise InputError(_("The sign-in did not finish: {why}. Sign in again.").format(why=why))
        raise _sign_in_again(user, why)
    if error == "invalid_client":
        raise MailError(
            _(
                "{provider} does not know the client ID {client}, or wants its client secret: "
                "check Settings → Email → OAuth2. ({why})"
            ).format(provider=provider_words(setup), client=setup.client_id, why=why),
            lasting=True,
        )
    if status >= 500 or status == 429:
        raise _busy(setup, why)
    raise MailError(
        _("{provider} refused to sign in: {why}").format(provider=provider_words(setup), why=why),
        lasting=True,
    )


_PLAIN_LOCK = threading.Lock()


def _plain_token(setup: OAuthSetup, user: str, kept: dict[str, Any], renew: bool) -> str:
    with _PLAIN_LOCK:
        latest = _kept(setup, user) or kept  # another thread may have renewed it
        expires = latest.get("expires_at")
        if (
            not renew
            and isinstance(latest.get("access_token"), str)
            and isinstance(expires, int | float)
            and expires - SPARE_SECONDS > time.time()
        ):
            return str(latest["access_token"])
        refresh = str(latest.get("refresh_token") or "")
        if not refresh:
            raise _sign_in_again(user)
        try:
            tokens = _token_request(
                setup, {"grant_type": "refresh_token", "refresh_token": refresh}, user
            )
        except SignInNeeded:
            _forget_if_still(setup, user, "refresh_token", refresh)
            raise
        fields = _token_fields(tokens, refresh)
        if not _keep(setup, user, fields):
            log.warning("the renewed mail token could not be kept in the keyring")
        return str(fields["access_token"])


def _forget_if_still(setup: OAuthSetup, user: str, key: str, value: str) -> None:
    """Forget the kept sign-in that has ended, unless another sign-in has replaced it."""
    now = _kept(setup, user)
    if now is not None and now.get(key) == value:
        sign_out(user)


def access_token(user: str, *, fresh: bool = False) -> str:
    """A token to give the mail server for `user` (XOAUTH2); MailError says what to do when
    there is none (lasting: sign in again; otherwise the provider is away for now). `fresh`:
    not the kept one (the server refused it: revoked, or its rights changed), a new one."""
    setup = current()
    if not setup.ready:
        raise MailError(
            _(
                "Email is set to sign in with OAuth2, but OAuth2 is not set up: Settings → "
                "Email, or frontcounter mail oauth."
            ),
            lasting=True,
        )
    kept = _kept(setup, user)
    if kept is None:
        raise _sign_in_again(user)
    if setup.provider == "microsoft":
        return _microsoft_token(setup, user, kept, fresh)
    return _plain_token(setup, user, kept, fresh)
