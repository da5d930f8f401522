"""Settings → Email and notices: whether residents are sent notices of their requests, the
town's mail server (the password kept in this computer's keyring), the OAuth2 sign-in for
Microsoft 365 and Gmail (signed in once per computer, in the browser), a test message, and
what waits in the outbox: emails to send now, failed ones to look at, letters to print for the
post. The work is the core's (`models.outbox`); sending runs in the background."""

from __future__ import annotations

import contextlib
import webbrowser
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.models.errors import KnownError
from desktop.models.outbox import delivery, mail, oauth
from desktop.models.partners import mailbox
from desktop.models.storage.schema import StaffUser
from desktop.models.town import settings
from desktop.ui.background import BackgroundOp, Progress


def security_labels() -> list[tuple[str, str]]:
    return [
        ("starttls", _("STARTTLS (port 587)")),
        ("ssl", _("SSL (port 465)")),
        ("plain", _("None (a server inside the town hall)")),
    ]


def auth_labels() -> list[tuple[str, str]]:
    return [
        ("password", _("A password")),
        ("oauth2", _("OAuth2: sign in with the browser (Microsoft 365, Gmail)")),
    ]


def provider_labels() -> list[tuple[str, str]]:
    return [
        ("microsoft", _("Microsoft 365")),
        ("google", _("Gmail (Google Workspace)")),
        ("openid", _("Another OpenID Connect provider")),
    ]


def reading_security_labels() -> list[tuple[str, str]]:
    return [
        ("ssl", _("SSL (port 993)")),
        ("starttls", _("STARTTLS (port 143)")),
        ("plain", _("None (a server inside the town hall)")),
    ]


class MailBox(QGroupBox):
    saved = Signal(str)
    #: the letters waiting for the post are to be printed (the window previews them)
    print_letters = Signal()

    def __init__(self, staff: Callable[[], StaffUser | None], parent: QWidget | None = None):
        super().__init__(_("Email and notices to residents"), parent)
        self.staff = staff
        self.job: BackgroundOp | None = None
        self.notices = QCheckBox(
            _(
                "Send residents notices of their requests: received, public updates, resolved, "
                "reopened (by email, or a letter for those without one)"
            )
        )
        self.notices.setObjectName("noticesOn")
        self.notices.toggled.connect(self.save_notices)
        self.host = QLineEdit()
        self.host.setObjectName("smtpHost")
        self.host.setPlaceholderText("smtp.office365.com")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(587)
        self.security = QComboBox()
        for code, label in security_labels():
            self.security.addItem(label, code)
        self.mail_from = QLineEdit()
        self.mail_from.setObjectName("mailFrom")
        self.mail_from.setPlaceholderText("townhall@yourtown.gov")
        self.user = QLineEdit()
        self.user.setPlaceholderText(_("often the same as the address; empty: no sign-in"))
        self.password = QLineEdit()
        self.password.setObjectName("mailPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("kept in this computer's keyring only"))
        self.auth = QComboBox()
        self.auth.setObjectName("smtpAuth")
        for code, label in auth_labels():
            self.auth.addItem(label, code)
        self.auth.currentIndexChanged.connect(lambda _i: self._show_auth())
        save = QPushButton(_("Save the mail server"))
        save.clicked.connect(lambda _c=False: self.save_server())
        form = QFormLayout()
        form.addRow(_("Mail server:"), self.host)
        form.addRow(_("Port:"), self.port)
        form.addRow(_("Security:"), self.security)
        form.addRow(_("Send as:"), self.mail_from)
        form.addRow(_("User name:"), self.user)
        form.addRow(_("Sign in with:"), self.auth)
        form.addRow(_("Password:"), self.password)
        form.addRow("", save)

        self.imap_host = QLineEdit()
        self.imap_host.setObjectName("imapHost")
        self.imap_host.setPlaceholderText("outlook.office365.com")
        self.imap_port = QSpinBox()
        self.imap_port.setRange(1, 65535)
        self.imap_port.setValue(993)
        self.imap_security = QComboBox()
        for code, label in reading_security_labels():
            self.imap_security.addItem(label, code)
        self.imap_user = QLineEdit()
        self.imap_user.setObjectName("imapUser")
        self.imap_user.setPlaceholderText(_("the mailbox's address"))
        self.imap_password = QLineEdit()
        self.imap_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.imap_password.setPlaceholderText(_("kept in this computer's keyring only"))
        self.imap_auth = QComboBox()
        self.imap_auth.setObjectName("imapAuth")
        for code, label in auth_labels():
            self.imap_auth.addItem(label, code)
        self.imap_auth.currentIndexChanged.connect(lambda _i: self._show_auth())
        save_inbox = QPushButton(_("Save the mailbox"))
        save_inbox.clicked.connect(lambda _c=False: self.save_inbox())
        self.fetch_button = QPushButton(_("&Read the mailbox now"))
        self.fetch_button.clicked.connect(lambda _c=False: self.fetch_now())
        inbox_buttons = QHBoxLayout()
        inbox_buttons.addWidget(save_inbox)
        inbox_buttons.addWidget(self.fetch_button)
        inbox_buttons.addStretch(1)
        inbox_form = QFormLayout()
        inbox_form.addRow(_("Mailbox server:"), self.imap_host)
        inbox_form.addRow(_("Port:"), self.imap_port)
        inbox_form.addRow(_("Security:"), self.imap_security)
        inbox_form.addRow(_("User name:"), self.imap_user)
        inbox_form.addRow(_("Sign in with:"), self.imap_auth)
        inbox_form.addRow(_("Password:"), self.imap_password)
        inbox_form.addRow("", inbox_buttons)

        self.oauth_box = self._oauth_section()

        self.test_to = QLineEdit()
        self.test_to.setObjectName("testTo")
        self.test_to.setPlaceholderText(_("your own address"))
        self.test_button = QPushButton(_("Send a &test message"))
        self.test_button.clicked.connect(lambda _c=False: self.send_test())
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_to, 1)
        test_row.addWidget(self.test_button)

        self.waiting = QLabel()
        self.waiting.setObjectName("outboxWaiting")
        self.send_button = QPushButton(_("Send &now"))
        self.send_button.clicked.connect(lambda _c=False: self.send_now())
        self.letters_button = QPushButton(_("Print the &letters waiting…"))
        self.letters_button.clicked.connect(lambda _c=False: self.print_letters.emit())
        outbox_row = QHBoxLayout()
        outbox_row.addWidget(self.send_button)
        outbox_row.addWidget(self.letters_button)
        outbox_row.addStretch(1)

        self.result = QLabel()
        self.result.setObjectName("mailResult")
        self.result.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notices)
        layout.addWidget(QLabel(_("<b>The town's mail server</b>")))
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addWidget(
            QLabel(
                _(
                    "<b>The town's mailbox</b> (optional): its new messages are read into the "
                    "web inbox every few minutes; replies to notices go onto their requests"
                )
            )
        )
        layout.addLayout(inbox_form)
        layout.addWidget(self.oauth_box)
        layout.addWidget(QLabel(_("<b>The outbox</b>")))
        layout.addWidget(self.waiting)
        layout.addLayout(outbox_row)
        layout.addWidget(self.result)
        for each in self.findChildren(QLabel):
            each.setWordWrap(True)

    def say(self, sentence: str) -> None:
        """A result in a sentence under the page's last buttons, scrolled into view: the page
        is long, and the clerk who pressed a button near its top would not see it."""
        self.result.setText(sentence)
        if not sentence:
            return
        outer = self.parentWidget()
        while outer is not None and not isinstance(outer, QScrollArea):
            outer = outer.parentWidget()
        if isinstance(outer, QScrollArea):
            scroll = outer  # once the sentence is laid out (it may wrap to several lines)
            QTimer.singleShot(0, lambda: scroll.ensureWidgetVisible(self.result))

    def load(self) -> None:
        try:
            setup = mail.current()
            on = bool(settings.get_setting("outbox.notices"))
            counts = delivery.counts()
        except KnownError as exc:
            self.say(str(exc))
            return
        self.notices.blockSignals(True)
        self.notices.setChecked(on)
        self.notices.blockSignals(False)
        self.host.setText(setup.host)
        self.port.setValue(setup.port)
        index = self.security.findData(setup.security)
        self.security.setCurrentIndex(max(index, 0))
        self.mail_from.setText(setup.sender)
        reading_from = mailbox.current()
        self.imap_host.setText(reading_from.host)
        self.imap_port.setValue(reading_from.port)
        self.imap_security.setCurrentIndex(
            max(self.imap_security.findData(reading_from.security), 0)
        )
        self.imap_user.setText(reading_from.user)
        self.imap_auth.setCurrentIndex(max(self.imap_auth.findData(reading_from.auth), 0))
        self.imap_password.clear()
        self.fetch_button.setEnabled(reading_from.ready)
        self.user.setText(setup.user)
        self.auth.setCurrentIndex(max(self.auth.findData(setup.auth), 0))
        self.password.clear()
        self.password.setPlaceholderText(
            _("kept in this computer's keyring") if setup.ready and mail.password(setup)
            else _("kept in this computer's keyring only")
        )  # fmt: skip
        self._show_counts(setup, counts)
        self._load_oauth()

    def refresh_counts(self) -> None:
        """What waits in the outbox, read again (another clerk saved, or the timer sent):
        the form is left as it is typed."""
        try:
            setup, counts = mail.current(), delivery.counts()
        except KnownError as exc:
            self.waiting.setText(str(exc))
            return
        self._show_counts(setup, counts)

    def _show_counts(self, setup: mail.MailSetup, counts: dict[str, int]) -> None:
        text = _(
            "Emails waiting to be sent: {email:,}. Failed: {failed:,}. Letters waiting for "
            "the post: {letters:,}."
        ).format(**counts)
        if counts["failed"]:
            failed = delivery.messages(states=("failed", "bounced"), limit=5)
            text += "\n" + "\n".join(
                f"{row['request']}  {row['to']}: {row['last_error']}" for row in failed
            )
        self.waiting.setText(text)
        self.letters_button.setEnabled(counts["letters"] > 0)
        self.send_button.setEnabled(setup.ready and counts["email"] > 0)

    def save_notices(self, on: bool) -> None:
        try:
            settings.set_settings({"outbox.notices": on}, actor=self.staff())
        except KnownError as exc:
            self.say(str(exc))
            return
        self.saved.emit(
            _("Residents will be sent notices.") if on else _("Residents are sent no notices.")
        )

    def save_server(self) -> None:
        actor = self.staff()
        self._save(
            lambda: mail.save_setup(
                host=self.host.text(),
                port=self.port.value(),
                security=str(self.security.currentData()),
                sender=self.mail_from.text(),
                user=self.user.text(),
                new_password=self.password.text() or None,
                auth=str(self.auth.currentData()),
                actor=actor,
            )[1],
            _("The mail server is saved."),
        )

    def save_inbox(self) -> None:
        actor = self.staff()
        self._save(
            lambda: mailbox.save_setup(
                host=self.imap_host.text(),
                port=self.imap_port.value(),
                security=str(self.imap_security.currentData()),
                user=self.imap_user.text(),
                new_password=self.imap_password.text() or None,
                auth=str(self.imap_auth.currentData()),
                actor=actor,
            )[1],
            _("The mailbox is saved."),
        )

    def _save(self, save: Callable[[], str], saved: str) -> None:
        """Save a server's setup; its problems, or a warning (no keyring), said below."""
        try:
            warning = save()
        except KnownError as exc:
            self.say(str(exc))
            return
        self.load()
        self.say(warning)
        self.saved.emit(saved)

    def fetch_now(self) -> None:
        actor = self.staff()

        def work(_progress: Progress) -> str:
            result = mailbox.fetch(actor=actor)
            return ngettext(
                "Read {read:,} message: {stored:,} in the web inbox, {replies:,} onto requests, "
                "{bounces:,} sent back.",
                "Read {read:,} messages: {stored:,} in the web inbox, {replies:,} onto "
                "requests, {bounces:,} sent back.",
                result.read,
            ).format(**result.as_dict())

        self._run(_("Reading the mailbox"), work)

    def _run(self, title: str, work: Callable[[Progress], str]) -> None:
        self.result.clear()
        self.job = BackgroundOp(self, title, title, work, on_success=self._done, show_errors=False)
        self.job.failed.connect(self.say)
        # a sign-in found ended while sending is forgotten: the OAuth2 line says so
        self.job.failed.connect(lambda _s: self._show_signed_in(oauth.current()))
        self.job.run()

    def _done(self, sentence: str) -> None:
        self.load()
        self.say(sentence)

    def send_test(self) -> None:
        to, actor = self.test_to.text(), self.staff()
        self._run(_("A test message"), lambda _p: mail.send_test(to, actor=actor))

    def send_now(self) -> None:
        def work(_progress: Progress) -> str:
            result = delivery.send_due()
            sentence = ngettext("{n:,} notice sent.", "{n:,} notices sent.", result.sent).format(
                n=result.sent
            )
            if result.failed:
                sentence += " " + _("{n:,} failed: see the outbox.").format(n=result.failed)
            if result.stopped:
                sentence += " " + result.stopped
            return sentence

        self._run(_("Sending the outbox"), work)

    # -- OAuth2: Microsoft 365, Gmail -----------------------------------------------------------

    def _oauth_section(self) -> QGroupBox:
        box = QGroupBox(_("OAuth2 sign-in (Microsoft 365, Gmail)"))
        box.setObjectName("oauthBox")
        self.provider = QComboBox()
        self.provider.setObjectName("oauthProvider")
        for code, label in provider_labels():
            self.provider.addItem(label, code)
        self.provider.currentIndexChanged.connect(lambda _i: self._show_provider())
        self.client_id = QLineEdit()
        self.client_id.setObjectName("oauthClientId")
        self.client_id.setPlaceholderText(_("the app the town registered with its provider"))
        self.tenant = QLineEdit()
        self.tenant.setObjectName("oauthTenant")
        self.client_secret = QLineEdit()
        self.client_secret.setObjectName("oauthClientSecret")
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_secret.setPlaceholderText(
            _("Gmail's desktop apps have one; kept in the keyring")
        )
        save = QPushButton(_("Save the OAuth2 set-up"))
        save.clicked.connect(lambda _c=False: self.save_oauth())
        self.sign_in_as = QLineEdit()
        self.sign_in_as.setObjectName("oauthAccount")
        self.sign_in_as.setPlaceholderText(_("the town's mail account"))
        self.oauth_state = QLabel()
        self.oauth_state.setObjectName("oauthState")
        self.oauth_state.setWordWrap(True)
        self.sign_in_button = QPushButton(_("Sign &in with the browser…"))
        self.sign_in_button.setObjectName("oauthSignIn")
        self.sign_in_button.clicked.connect(lambda _c=False: self.sign_in())
        self.sign_out_button = QPushButton(_("Sign out on this computer"))
        self.sign_out_button.clicked.connect(lambda _c=False: self.sign_out())
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        form = QFormLayout(box)
        form.addRow(
            QLabel(
                _(
                    "For a mail account that takes no password. The town's administrator "
                    "registers a desktop app with the provider once (README: “Email with "
                    "OAuth2”); each computer then signs in once, in the browser."
                )
            )
        )
        form.addRow(_("Provider:"), self.provider)
        form.addRow(_("Client ID:"), self.client_id)
        self.tenant_label = QLabel(_("Tenant:"))
        form.addRow(self.tenant_label, self.tenant)
        form.addRow(_("Client secret:"), self.client_secret)
        form.addRow("", save)
        form.addRow(_("Account:"), self.sign_in_as)
        form.addRow("", self.oauth_state)
        form.addRow("", buttons)
        for each in box.findChildren(QLabel):
            each.setWordWrap(True)
        return box

    def _show_auth(self) -> None:
        """The password fields only for a password; the OAuth2 section when either uses it."""
        smtp_oauth = self.auth.currentData() == "oauth2"
        imap_oauth = self.imap_auth.currentData() == "oauth2"
        self.password.setEnabled(not smtp_oauth)
        self.imap_password.setEnabled(not imap_oauth)
        self.oauth_box.setVisible(smtp_oauth or imap_oauth)

    def _show_provider(self) -> None:
        provider = self.provider.currentData()
        if provider == "microsoft":
            self.tenant_label.setText(_("Tenant:"))
            self.tenant.setPlaceholderText(_("yourtown.onmicrosoft.com (empty: any work account)"))
        elif provider == "google":
            self.tenant_label.setText(_("Issuer:"))
            self.tenant.setPlaceholderText(oauth.GOOGLE_ISSUER)
        else:
            self.tenant_label.setText(_("Issuer:"))
            self.tenant.setPlaceholderText("https://login.yourtown.gov")
        self.tenant.setEnabled(provider != "google")
        self.client_secret.setEnabled(provider != "microsoft")

    def _load_oauth(self) -> None:
        try:
            setup = oauth.current()
        except KnownError as exc:
            self.say(str(exc))
            return
        self.provider.setCurrentIndex(max(self.provider.findData(setup.provider), 0))
        self.client_id.setText(setup.client_id)
        # the provider's own default is the empty field's placeholder
        default = setup.authority in (oauth.MICROSOFT_AUTHORITY, oauth.GOOGLE_ISSUER)
        self.tenant.setText("" if default else setup.authority)
        self.client_secret.clear()
        self.sign_in_as.setText(self.user.text() or self.imap_user.text())
        self._show_provider()
        self._show_auth()
        self._show_signed_in(setup)

    def _show_signed_in(self, setup: oauth.OAuthSetup) -> None:
        account = self.sign_in_as.text().strip()
        if not setup.ready:
            text = _("Save the provider and the client ID, then sign in.")
            signed = False
        else:
            signed = bool(account) and oauth.signed_in(account)
            text = (
                _("Signed in with {provider} as {user} on this computer.").format(
                    provider=oauth.provider_words(setup), user=account
                )
                if signed
                else _("This computer is not signed in to the mail account.")
            )
        self.oauth_state.setText(text)
        self.sign_in_button.setEnabled(setup.ready)
        self.sign_out_button.setEnabled(signed)

    def save_oauth(self) -> None:
        actor = self.staff()
        self._save(
            lambda: oauth.save_setup(
                provider=str(self.provider.currentData()),
                client_id=self.client_id.text(),
                tenant_or_issuer=self.tenant.text(),
                client_secret=self.client_secret.text() or None,
                actor=actor,
            )[1],
            _("The OAuth2 set-up is saved."),
        )

    def sign_in(self) -> None:
        """Sign in in the clerk's browser, in the background: the progress window's Cancel
        stops waiting for the browser."""
        account = self.sign_in_as.text().strip()
        secret = self.client_secret.text() or None

        def work(progress: Progress) -> str:
            with oauth.begin_sign_in(account, new_client_secret=secret) as pending:
                progress.on_cancel(pending.cancel)
                with contextlib.suppress(webbrowser.Error, OSError):  # none: Cancel, and say so
                    webbrowser.open(pending.url)
                who = pending.finish()
            return oauth.signed_in_words(who, account)

        self.result.clear()
        title = _("Signing in")
        self.job = BackgroundOp(
            self,
            title,
            _("Sign in as {user} in the browser window that opened, then come back here.").format(
                user=account
            ),
            work,
            on_success=self._done,
            show_errors=False,
            cancellable=True,
        )
        self.job.failed.connect(self.say)
        self.job.succeeded.connect(lambda sentence: self.saved.emit(str(sentence)))
        self.job.finished.connect(lambda: self._show_signed_in(oauth.current()))
        self.job.run()

    def sign_out(self) -> None:
        account = self.sign_in_as.text().strip()
        oauth.sign_out(account)
        self.say(_("This computer no longer keeps a sign-in for {user}.").format(user=account))
        self._show_signed_in(oauth.current())
