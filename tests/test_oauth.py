"""Signing in to the town's mail account with OAuth2 (SASL XOAUTH2), against a real OpenID
provider on loopback over https (tests/oauth_provider.py), a real SMTP server (aiosmtpd) that
checks each token at the provider, and a real IMAP server (Dovecot's oauth2 passdb).

Microsoft 365's path goes through msal (the provider taken as msal's OpenID authority); Gmail's
and other providers' through the plain authorization code flow. Both with PKCE, both kept in
the keyring in pieces, both renewed when the access token runs out, both said in words when the
account's sign-in was revoked or the provider is away."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult

from desktop.app import main
from desktop.models.errors import InputError, KnownError
from desktop.models.outbox import delivery, mail, oauth
from desktop.models.partners import mailbox
from desktop.models.storage import secret_store
from desktop.models.storage.schema import Setting
from desktop.models.town.settings import set_settings
from tests import dovecot_server
from tests.oauth_provider import Browser, Provider
from tests.test_outbox import (  # smtp: the fixture, a server that takes passwords
    Mailbox,
    Server,
    _finish,
    caller,
    free_port,
    new_request,
    smtp,  # noqa: F401
)

ACCOUNT = "townhall@alderfalls.example"


@contextlib.contextmanager
def _serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, access_token_seconds: int = 3600
) -> Iterator[Provider]:
    with Provider(tmp_path, access_token_seconds=access_token_seconds) as running:
        # the throwaway authority is trusted as a town's PC trusts Microsoft's and Google's
        monkeypatch.setenv("SSL_CERT_FILE", str(running.ca))
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(running.ca))
        monkeypatch.setattr(oauth, "_MSAL_APPS", {})
        monkeypatch.setattr(oauth, "_METADATA", {})
        yield running


@pytest.fixture
def provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    with _serving(tmp_path, monkeypatch) as running:
        yield running


@pytest.fixture
def short_lived(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    """A provider whose access tokens last 30 s: inside the minute kept spare."""
    with _serving(tmp_path, monkeypatch, access_token_seconds=30) as running:
        yield running


def _set_up(provider: Provider, kind: str) -> None:
    oauth.save_setup(
        provider=kind, client_id="front-counter-desktop", tenant_or_issuer=provider.issuer,
        actor=None,
    )  # fmt: skip


def _sign_in(provider: Provider, account: str = ACCOUNT, *, as_who: str = "") -> str:
    pending = oauth.begin_sign_in(account)
    page = Browser(provider).sign_in(pending.url, as_who or account)
    assert "Signed in: Front Counter finishes the sign-in now" in page
    return pending.finish(timeout=30)


KINDS = ["microsoft", "openid"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_sign_in_in_the_browser_keeps_tokens_that_the_provider_takes(db, provider, kind):
    _set_up(provider, kind)
    assert not oauth.signed_in(ACCOUNT)
    assert _sign_in(provider) == ACCOUNT
    assert provider.pkce_kept()
    asked = provider.asked[-1]
    assert asked["login_hint"] == ACCOUNT
    assert asked["redirect_uri"].startswith("http://localhost:")
    if kind == "microsoft":
        assert "https://outlook.office.com/SMTP.Send" in asked["scope"]
    assert oauth.signed_in(ACCOUNT)
    token = oauth.access_token(ACCOUNT)
    assert provider.userinfo(token) == {"sub": ACCOUNT} | (
        {"email": ACCOUNT} if kind == "openid" else {}
    )
    # kept in the keyring only, in pieces a Windows credential can hold
    kept = secret_store.secret(oauth.SERVICE, f"oauth:{ACCOUNT}")
    assert kept is not None and kept.startswith("pieces:")
    saved = json.dumps([(row.key, row.value) for row in Setting.select()])
    assert token not in saved and "refresh" not in saved
    # a second ask while the token is fresh asks the provider nothing
    forms = len(provider.token_forms)
    assert oauth.access_token(ACCOUNT) == token
    assert len(provider.token_forms) == forms
    oauth.sign_out(ACCOUNT)
    assert not oauth.signed_in(ACCOUNT)
    assert secret_store.secret(oauth.SERVICE, f"oauth:{ACCOUNT}") is None


@pytest.mark.parametrize("kind", KINDS)
def test_an_access_token_that_ran_out_is_renewed_and_a_revoked_one_says_sign_in_again(
    db, short_lived: Provider, kind
):
    provider = short_lived
    _set_up(provider, kind)
    _sign_in(provider)
    forms = len(provider.token_forms)
    # 30 s is inside the minute kept spare: the first ask renews it with the refresh token
    renewed = oauth.access_token(ACCOUNT)
    assert len(provider.token_forms) == forms + 1
    assert provider.token_forms[-1]["grant_type"] == "refresh_token"
    assert provider.userinfo(renewed) is not None
    assert "client_secret" not in provider.token_forms[-1]  # a public client
    provider.revoke(ACCOUNT)
    # the kept token is taken until a server refuses it; then a new one is asked for
    with pytest.raises(oauth.SignInNeeded) as refused:
        oauth.access_token(ACCOUNT, fresh=True)
    assert refused.value.lasting
    assert "sign in" in str(refused.value).lower() and ACCOUNT in str(refused.value)
    assert not oauth.signed_in(ACCOUNT)  # the ended sign-in is forgotten: Settings says so


@pytest.mark.parametrize("kind", KINDS)
def test_a_provider_that_is_away_is_a_failure_that_waits(db, short_lived: Provider, kind):
    _set_up(short_lived, kind)
    _sign_in(short_lived)
    short_lived.__exit__(None, None, None)
    # the provider is gone (the line is down): the token cannot be renewed just now
    with pytest.raises(mail.MailError) as away:
        oauth.access_token(ACCOUNT)
    assert not away.value.lasting
    assert "could not be reached" in str(away.value)


def test_the_wrong_account_a_refusal_and_a_cancel_are_said_and_keep_nothing(db, provider):
    _set_up(provider, "openid")
    with pytest.raises(InputError, match=r"You signed in as clerk@gmail\.example, not as"):
        _sign_in(provider, as_who="clerk@gmail.example")
    assert not oauth.signed_in(ACCOUNT)
    pending = oauth.begin_sign_in(ACCOUNT)
    page = Browser(provider).sign_in(pending.url, ACCOUNT, deny=True)
    assert "did not finish" in page
    with pytest.raises(InputError, match="localhost did not sign in: The resource owner"):
        pending.finish(timeout=30)
    pending = oauth.begin_sign_in(ACCOUNT)
    threading.Timer(0.1, pending.cancel).start()
    with pytest.raises(InputError, match="cancelled"):
        pending.finish(timeout=30)
    pending = oauth.begin_sign_in(ACCOUNT)
    with pytest.raises(InputError, match="did not come back"):
        pending.finish(timeout=0.2)
    assert not oauth.signed_in(ACCOUNT)


def test_a_second_sign_in_that_fails_keeps_the_first(db, provider):
    _set_up(provider, "openid")
    _sign_in(provider)
    with oauth.begin_sign_in(ACCOUNT) as pending:
        state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(pending.url).query))["state"]
        port = _listener_port(pending)
        with urllib.request.urlopen(  # a code the provider never gave (or one used already)
            f"http://127.0.0.1:{port}/?code=used-already&state={state}", timeout=10
        ):
            pass
        with pytest.raises(InputError, match="The sign-in did not finish"):
            pending.finish(timeout=30)
    assert oauth.signed_in(ACCOUNT)
    assert provider.userinfo(oauth.access_token(ACCOUNT)) is not None


def test_gmail_needs_its_client_secret_on_each_computer_and_one_account(db, provider):
    """Google's desktop apps have a client secret; its tokens are for one account only."""
    oauth.save_setup(provider="google", client_id="1-abc.apps.googleusercontent.com",
                     tenant_or_issuer=provider.issuer, actor=None)  # fmt: skip
    with pytest.raises(InputError, match="Gmail needs the client secret"):
        oauth.begin_sign_in(ACCOUNT)
    assert provider.asked == []  # said before the browser opened
    with oauth.begin_sign_in(ACCOUNT, new_client_secret="GOCSPX-town") as pending:
        Browser(provider).sign_in(pending.url, "someone@gmail.example")
        with pytest.raises(InputError, match=r"You signed in as someone@gmail\.example"):
            pending.finish(timeout=30)
    asked = provider.asked[-1]
    assert asked["scope"].split() == ["https://mail.google.com/", "openid", "email"]
    assert (asked["prompt"], asked["access_type"]) == ("consent select_account", "offline")
    assert provider.token_forms[-1]["client_secret"] == "GOCSPX-town"
    assert not oauth.signed_in(ACCOUNT)
    assert _sign_in(provider) == ACCOUNT  # the secret is kept on this computer now
    assert provider.pkce_kept()


def test_microsoft_365_takes_a_person_signing_in_for_a_shared_mailbox(db, provider):
    _set_up(provider, "microsoft")
    assert _sign_in(provider, as_who="ana.clerk@alderfalls.example") == (
        "ana.clerk@alderfalls.example"
    )
    assert oauth.signed_in(ACCOUNT)
    said = oauth.signed_in_words("ana.clerk@alderfalls.example", ACCOUNT)
    assert "for the mail account " + ACCOUNT in said


def test_a_computer_without_a_keyring_is_told_before_the_browser_opens(db, provider, monkeypatch):
    _set_up(provider, "openid")
    monkeypatch.setattr(secret_store, "keyring_usable", lambda: False)
    with pytest.raises(InputError, match="no keyring to keep the sign-in"):
        oauth.begin_sign_in(ACCOUNT)
    assert provider.asked == []


def test_an_answer_without_this_sign_ins_state_does_not_end_it(db, provider):
    """A local page cannot end a sign-in with words of its own (an error without the state),
    nor hold the listener up by opening a connection and sending nothing."""
    _set_up(provider, "openid")
    with oauth.begin_sign_in(ACCOUNT) as pending:
        port = _listener_port(pending)
        idle = socket.create_connection(("127.0.0.1", port))  # a browser's connection ahead
        said = "Call+555-0100+to+finish"
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/?error=x&error_description={said}", timeout=10
        ) as page:
            assert "press Cancel" in page.read().decode()
        assert Browser(provider).sign_in(pending.url, ACCOUNT)
        assert pending.finish(timeout=30) == ACCOUNT
        idle.close()
    # a sign-in not finished is closed all the same (Ctrl+C, an error in between)
    with pytest.raises(KeyboardInterrupt), oauth.begin_sign_in(ACCOUNT) as pending:
        port = _listener_port(pending)
        raise KeyboardInterrupt
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def _listener_port(pending: oauth.SignIn) -> int:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(pending.url).query))
    port = urllib.parse.urlsplit(query["redirect_uri"]).port
    assert port is not None
    return port


def test_a_forged_answer_to_the_listener_is_not_taken(db, provider):
    """Another page cannot hand the listener a code of its own: the state must match."""
    _set_up(provider, "openid")
    pending = oauth.begin_sign_in(ACCOUNT)
    port = _listener_port(pending)
    with urllib.request.urlopen(
        f"http://127.0.0.1:{port}/?code=forged&state=guess", timeout=10
    ) as forged:
        assert "not the one Front Counter opened" in forged.read().decode()
    assert Browser(provider).sign_in(pending.url, ACCOUNT)
    assert pending.finish(timeout=30) == ACCOUNT
    assert provider.token_forms[-1]["code"] != "forged"


def test_setup_says_what_is_wrong(db):
    with pytest.raises(InputError) as wrong:
        oauth.save_setup(provider="yahoo", client_id="has space", actor=None)
    said = str(wrong.value)
    assert "microsoft, google or openid" in said and "client ID" in said
    with pytest.raises(InputError, match="not a tenant"):
        oauth.save_setup(provider="microsoft", client_id="x", tenant_or_issuer="a b", actor=None)
    setup, _warning = oauth.save_setup(
        provider="microsoft", client_id="abc", tenant_or_issuer="alderfalls.onmicrosoft.com",
        actor=None,
    )  # fmt: skip
    assert setup.authority == "https://login.microsoftonline.com/alderfalls.onmicrosoft.com"
    assert oauth.current() == setup
    google, _warning = oauth.save_setup(
        provider="google", client_id="1-abc.apps.googleusercontent.com", client_secret="shh",
        actor=None,
    )  # fmt: skip
    assert google.authority == oauth.GOOGLE_ISSUER
    assert oauth.client_secret(google) == "shh"
    with pytest.raises(InputError, match="OAuth2 needs the mail account"):
        mail.save_setup(host="smtp.gmail.com", port=587, security="starttls",
                        sender=ACCOUNT, auth="oauth2", actor=None)  # fmt: skip


def test_a_long_secret_is_kept_in_pieces_and_a_half_written_one_is_not_read(db, monkeypatch):
    value = "r" * 3000 + "é" + "t" * 2000
    assert secret_store.remember_long_secret("svc", "name", value)
    assert secret_store.long_secret("svc", "name") == value
    first = secret_store.secret("svc", "name")
    assert first is not None and len(first) < secret_store.CHUNK + 40
    digest = first.split(":")[2]
    pieces = [secret_store.secret("svc", f"name#{digest}#{n}") for n in range(1, 6)]
    assert all(p is not None and len(p) <= secret_store.CHUNK for p in pieces[:4])
    assert pieces[4] is None
    # a shorter one written over it leaves no pieces behind
    assert secret_store.remember_long_secret("svc", "name", "short")
    assert secret_store.long_secret("svc", "name") == "short"
    assert all(secret_store.secret("svc", f"name#{digest}#{n}") is None for n in range(1, 5))
    # a piece that is not the whole's (another write's) is never read as part of it
    assert secret_store.remember_long_secret("svc", "name", value)
    secret_store.remember_secret("svc", f"name#{digest}#2", "x" * secret_store.CHUNK)
    assert secret_store.long_secret("svc", "name") is None
    # a keyring that fails half-way through a write leaves the secret kept before, whole
    assert secret_store.remember_long_secret("svc", "name", value)
    real, calls = secret_store.remember_secret, []

    def failing(service: str, name: str, text: str) -> bool:
        calls.append(name)
        return len(calls) < 3 and real(service, name, text)

    monkeypatch.setattr(secret_store, "remember_secret", failing)
    assert not secret_store.remember_long_secret("svc", "name", "u" * 5000)
    monkeypatch.setattr(secret_store, "remember_secret", real)
    assert secret_store.long_secret("svc", "name") == value
    secret_store.forget_long_secret("svc", "name")
    assert secret_store.secret("svc", "name") is None
    assert secret_store.secret("svc", f"name#{digest}#1") is None


# ---- sending through an SMTP server that takes tokens -----------------------------------------


class TokenMailbox(Mailbox):
    """An SMTP server that takes XOAUTH2 only, asking the provider whose each token is; a
    token it refuses gets Google's error challenge, then 535."""

    def __init__(self, provider: Provider) -> None:
        super().__init__()
        self.provider = provider
        self.signed_in: list[str] = []
        self.refused: list[str] = []
        self.refuse_all = False  # as Microsoft does for a mailbox with SMTP AUTH turned off

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        said = args[1] if len(args) > 1 else await server.challenge_auth("", encode_to_b64=False)
        if isinstance(said, bytes):
            said = said.decode()
        text = base64.b64decode(said).decode() if said else ""
        fields = dict(f.split("=", 1) for f in text.split("\x01") if "=" in f)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        who = self.provider.userinfo(token)
        if who and who.get("sub") == user and not self.refuse_all:
            self.signed_in.append(user)
            return AuthResult(success=True)
        self.refused.append(token)
        error = json.dumps(
            {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
        )
        await server.challenge_auth(error)
        return AuthResult(success=False, handled=False)


class TokenServer(Server):
    box: TokenMailbox


@pytest.fixture
def token_smtp(provider: Provider) -> Iterator[TokenServer]:
    server = TokenServer(TokenMailbox(provider), free_port(), auth_require_tls=False)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("kind", KINDS)
def test_notices_go_out_through_a_server_that_takes_only_tokens(db, provider, token_smtp, kind):
    _set_up(provider, kind)
    set_settings({"outbox.notices": True, "town.name": "Alder Falls"}, actor=None)
    mail.save_setup(host="127.0.0.1", port=token_smtp.port, security="plain", sender=ACCOUNT,
                    user=ACCOUNT, auth="oauth2", actor=None)  # fmt: skip
    new_request(caller("ana@example.org"))
    # not signed in on this computer: the notice waits, said in words
    result = delivery.send_due()
    assert result.sent == 0 and "not signed in to the mail account" in result.stopped
    waiting = delivery.messages(limit=5)[0]
    assert waiting["state"] == "queued"
    assert "not signed in to the mail account" in str(waiting["last_error"])
    _sign_in(provider)
    result = delivery.send_due()
    assert (result.sent, result.failed) == (1, 0), result
    assert token_smtp.box.signed_in == [ACCOUNT]
    assert len(token_smtp.box.messages) == 1
    # the account's sessions revoked at the provider: a clear sentence, nothing sent twice
    provider.revoke(ACCOUNT)
    new_request(caller("bo@example.org"))
    result = delivery.send_due()
    assert result.sent == 0
    assert "not signed in to the mail account " + ACCOUNT in result.stopped
    assert delivery.messages(states=("queued",), limit=5)[0]["to"] == "bo@example.org"
    assert len(token_smtp.box.messages) == 1


def test_a_refused_token_and_a_server_without_xoauth2_are_said(
    db,
    provider,
    token_smtp,
    smtp,  # noqa: F811 (the fixture)
):
    _set_up(provider, "openid")
    _sign_in(provider)
    setup = oauth.current()
    kept = oauth._kept(setup, ACCOUNT)
    assert kept is not None
    oauth._keep(setup, ACCOUNT, {"access_token": "forged", "expires_at": 4e9,
                                 "refresh_token": kept["refresh_token"]})  # fmt: skip
    mail.save_setup(host="127.0.0.1", port=token_smtp.port, security="plain", sender=ACCOUNT,
                    user=ACCOUNT, auth="oauth2", actor=None)  # fmt: skip
    # the kept token refused (revoked, say): a new one from the refresh token, and it goes
    assert "was taken by" in mail.send_test("me@example.org", actor=None)
    assert token_smtp.box.refused == ["forged"] and token_smtp.box.signed_in == [ACCOUNT]
    # a server that refuses every token: said once, in words, with its own answer
    token_smtp.box.refuse_all = True
    with pytest.raises(mail.MailError, match="refused the OAuth2 sign-in of") as refused:
        mail.send_test("me@example.org", actor=None)
    assert refused.value.lasting and "401" in str(refused.value)
    assert len(token_smtp.box.refused) == 3  # the kept token, then one new one
    # a server that offers no XOAUTH2 (a relay inside the town hall)
    mail.save_setup(host="127.0.0.1", port=smtp.port, security="plain", sender=ACCOUNT,
                    user=ACCOUNT, auth="oauth2", actor=None)  # fmt: skip
    with pytest.raises(mail.MailError, match="does not take an OAuth2 sign-in"):
        mail.send_test("me@example.org", actor=None)


# ---- the command line --------------------------------------------------------------------------


def test_the_command_line_sets_up_signs_in_shows_and_signs_out(
    tmp_path: Path, provider: Provider, token_smtp: TokenServer, capsys, monkeypatch
):
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    capsys.readouterr()
    assert main([*base, "mail", "oauth", "--provider", "microsoft", "--client-id", "fc-desktop",
                 "--tenant", provider.issuer, "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["authority"] == provider.issuer
    assert main([*base, "mail", "setup", "--smtp-host", "127.0.0.1", "--smtp-port",
                 str(token_smtp.port), "--plain", "--from", ACCOUNT, "--user", ACCOUNT,
                 "--oauth", "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["auth"] == "oauth2"
    assert main([*base, "mail", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["oauth"]["signed_in"] is False
    # the browser the command opens is the clerk's, signing in on the provider's page
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        threading.Thread(target=Browser(provider).sign_in, args=(url, ACCOUNT)).start()
        return True

    monkeypatch.setattr("webbrowser.open", browser)
    assert main([*base, "mail", "sign-in", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "user": ACCOUNT, "signed_in": True, "as": ACCOUNT, "provider": "microsoft"
    }  # fmt: skip
    assert opened and opened[0] in captured.err  # the address, for when no browser opens
    assert main([*base, "mail", "show"]) == 0
    assert "Signed in with Microsoft 365 as " + ACCOUNT in capsys.readouterr().out
    assert main([*base, "mail", "test", "me@example.org"]) == 0
    assert "was taken by" in capsys.readouterr().out
    assert token_smtp.box.signed_in == [ACCOUNT]
    assert main([*base, "mail", "sign-out"]) == 0
    assert "no longer keeps a sign-in" in capsys.readouterr().out
    assert main([*base, "mail", "test", "me@example.org"]) == 1
    assert "not signed in to the mail account" in capsys.readouterr().err


# ---- reading the town's mailbox with a token (Dovecot's oauth2 passdb) ------------------------


needs_dovecot = pytest.mark.skipif(
    not dovecot_server.available(), reason="Dovecot is not installed (.ci/run)"
)


@contextlib.contextmanager
def _mailbox_with_oauth(
    provider: Provider, kind: str, *, takes_tokens: bool = True
) -> Iterator[dovecot_server.Dovecot]:
    """Dovecot (checking tokens at `provider`, or taking passwords only), set up as the
    town's mailbox read with OAuth2 from `provider` (`kind`)."""
    server = dovecot_server.Dovecot(
        oauth=(provider.issuer + "/userinfo", provider.ca) if takes_tokens else None
    )
    server.start()
    try:
        _set_up(provider, kind)
        mailbox.save_setup(host="127.0.0.1", port=server.port, security="plain",
                           user=dovecot_server.USER, auth="oauth2", actor=None)  # fmt: skip
        yield server
    finally:
        server.close()


@needs_dovecot
@pytest.mark.parametrize("kind", KINDS)
def test_the_mailbox_is_read_with_a_token_the_imap_server_checks(db, provider, kind):
    from tests.test_mailbox import message

    with _mailbox_with_oauth(provider, kind) as server:
        server.deliver(message("Pothole on Elm", "A deep one by number 12."))
        with pytest.raises(mail.MailError, match="not signed in to the mail account town"):
            mailbox.fetch(actor=None)
        assert _sign_in(provider, dovecot_server.USER) == dovecot_server.USER
        assert mailbox.fetch(actor=None).stored == 1
        assert server.unseen() == 0
        # revoked at the provider: the kept token is refused, a new one cannot be had
        provider.revoke(dovecot_server.USER)
        server.deliver(message("Streetlight out", "On Oak."))
        with pytest.raises(oauth.SignInNeeded, match="or frontcounter mail sign-in"):
            mailbox.fetch(actor=None)
        assert server.unseen() == 1  # left for the next reading


@needs_dovecot
def test_a_mailbox_that_takes_no_token_is_said(db, provider):
    with (
        _mailbox_with_oauth(provider, "openid", takes_tokens=False),
        pytest.raises(KnownError, match="does not take an OAuth2 sign-in"),
    ):
        mailbox.fetch(actor=None)


@needs_dovecot
def test_a_token_the_mailbox_refuses_is_said_as_the_sign_ins_fault(db, provider):
    """Not "the user name or password": a token for another account (Dovecot waits some
    seconds before a second try, so this is the one test of it)."""
    with _mailbox_with_oauth(provider, "openid"):
        _sign_in(provider, dovecot_server.USER, as_who="someone-else")
        with pytest.raises(KnownError, match="refused the OAuth2 sign-in of town"):
            mailbox.fetch(actor=None)


# ---- the window ----------------------------------------------------------------------------------


def test_settings_sets_up_oauth_and_signs_in_in_the_browser(
    qtbot, db, provider: Provider, token_smtp: TokenServer, monkeypatch
):
    from desktop.ui.mail_box import MailBox

    box = MailBox(lambda: None)
    qtbot.addWidget(box)
    box.show()
    box.load()
    assert not box.oauth_box.isVisible()  # a password, as most towns
    box.host.setText("127.0.0.1")
    box.port.setValue(token_smtp.port)
    box.security.setCurrentIndex(box.security.findData("plain"))
    box.mail_from.setText(ACCOUNT)
    box.user.setText(ACCOUNT)
    box.auth.setCurrentIndex(box.auth.findData("oauth2"))
    assert box.oauth_box.isVisible() and not box.password.isEnabled()
    box.save_server()
    assert box.result.text() == ""
    assert mail.current().auth == "oauth2"
    assert "Save the provider and the client ID" in box.oauth_state.text()
    assert not box.sign_in_button.isEnabled()
    box.provider.setCurrentIndex(box.provider.findData("openid"))
    box.client_id.setText("front-counter-desktop")
    box.tenant.setText("not a url")
    box.save_oauth()
    assert "not a tenant" in box.result.text()
    box.tenant.setText(provider.issuer)
    box.save_oauth()
    assert oauth.current().authority == provider.issuer
    assert box.sign_in_as.text() == ACCOUNT
    assert "not signed in" in box.oauth_state.text() and box.sign_in_button.isEnabled()

    def browser(url: str) -> bool:  # the clerk's browser, signing in on the provider's page
        threading.Thread(target=Browser(provider).sign_in, args=(url, ACCOUNT)).start()
        return True

    monkeypatch.setattr("webbrowser.open", browser)
    _finish(qtbot, box, box.sign_in)
    assert "Signed in as " + ACCOUNT in box.result.text()
    assert "Signed in with localhost as " + ACCOUNT in box.oauth_state.text()
    box.test_to.setText("me@example.org")
    _finish(qtbot, box, box.send_test)
    assert "was taken by 127.0.0.1" in box.result.text()
    assert token_smtp.box.signed_in == [ACCOUNT]
    # a sign-in the clerk gives up on: Cancel stops the wait, said in a sentence
    monkeypatch.setattr("webbrowser.open", lambda url: True)
    box.sign_in()
    assert box.job is not None
    with qtbot.waitSignal(box.job.finished, timeout=30_000):
        box.job.cancel()
    assert "Signed in with localhost" in box.oauth_state.text()  # the earlier one stays
    box.sign_out()
    assert "no longer keeps a sign-in" in box.result.text()
    assert "not signed in" in box.oauth_state.text() and not box.sign_out_button.isEnabled()
