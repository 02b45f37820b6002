"""Signing in to the community (checked live on the portal) and signing out.

    dlg = SignInDialog(ctx, parent); dlg.signed_in.connect(...); dlg.open()
    sign_out(ctx, then=lambda: ...)

The network exchange runs on the NET lane, the token goes to the OS keyring (or a file only
the user can read), the profile into the store on the DB lane. Signing out keeps the outbox.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.sync.http import SyncError
from desktop.ui.context import AppContext
from desktop.ui.tasks import Lane, describe_error


def describe_signin_error(exc: BaseException) -> str:
    """Sign-in failures in plain words: wrong password, too many attempts, no portal."""
    q = QCoreApplication
    if isinstance(exc, SyncError):
        if exc.code == "signin_failed":
            return q.translate("SignIn", "Wrong login or password.")
        if exc.code == "busy":
            wait = exc.retry_after or exc.params.get("retry_after")
            if wait:
                return q.translate("SignIn", "Too many sign-in attempts. Try again in {n} "
                                   "seconds.").format(n=int(float(wait)))
            return q.translate("SignIn", "Too many sign-in attempts. Try again later.")
        if exc.code in ("unreachable", "network", "stalled", "cut"):
            return q.translate("SignIn", "The portal cannot be reached. Check the network "
                               "connection and the portal address in Settings.")
    return describe_error(exc)


def _sign_in_online(ctx: AppContext, url: str, login: str, password: str) -> tuple[Any, Any]:
    """On the NET lane: the portal checks the password; the token is kept safely."""
    from desktop.sync.community import me, signin
    from desktop.sync.credentials import save_token

    device = f"Okno on {platform.node() or 'this computer'}"
    token, user = signin(url, login, password, device)
    info = me(url, token)
    ctx.paths.ensure()
    save_token(ctx.paths.data, url, token)
    from desktop.bundle.keys import after_sync as bundle_keys

    bundle_keys(ctx.paths, url, token)  # this computer's key signs its outbox bundles
    return user, [s for s in info.get("streams", []) if isinstance(s, str)]


class SignInDialog(QDialog):
    signed_in = Signal(object)  # the user's profile

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Sign in to the community"))
        self.intro = QLabel(self.tr("Sign in with the account of the portal {url}. The "
                                    "password is checked by the portal and not stored.")
                            .format(url=ctx.portal_url or "—"), self)
        self.intro.setWordWrap(True)
        self.login_edit = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color:#8a1c12;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Sign in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Login:"), self.login_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(420, self.sizeHint().height())

    def submit(self) -> None:
        login = self.login_edit.text().strip()
        password = self.password_edit.text()
        url = self.ctx.portal_url
        if not url:
            self.status.setText(self.tr("No portal is set. Enter the portal address in "
                                        "Settings first."))
            return
        if not login or not password:
            self.status.setText(self.tr("Enter the login and the password."))
            return
        self.ok_button.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Checking with the portal…"))
        ctx = self.ctx
        self.ctx.tasks.op(lambda: _sign_in_online(ctx, url, login, password), Lane.NET) \
            .success(self._checked).failure(self._failed).run()

    def _checked(self, answer: tuple[Any, Any]) -> None:
        user, streams = answer

        def store_user(store: Any) -> Any:
            return store.set_community_user(user, streams)

        def done(changes: Any) -> None:
            self.ctx.hub.publish(changes)
            self.password_edit.clear()
            self.signed_in.emit(user)
            self.accept()

        self.ctx.tasks.op(store_user, Lane.DB).success(done).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.status.setStyleSheet("color:#8a1c12;")
        self.status.setText(describe_signin_error(exc))


def sign_out(ctx: AppContext, then: Callable[[], None] | None = None) -> None:
    """Forget the token (telling the portal if it answers) and the profile; keep the outbox."""
    url = ctx.portal_url

    def forget_token() -> None:
        from desktop.sync.community import signout
        from desktop.sync.credentials import clear_token, load_token

        if url:
            token = load_token(ctx.paths.data, url)
            if token is not None:
                signout(url, token)  # best effort: offline, the local sign-out still happens
            clear_token(ctx.paths.data, url)

    def forget_user(_none: Any) -> None:
        def done(changes: Any) -> None:
            ctx.hub.publish(changes)
            if then is not None:
                then()

        ctx.tasks.op(lambda store: store.set_community_user(None), Lane.DB).success(done).run()

    ctx.tasks.op(forget_token, Lane.NET).success(forget_user).run()
