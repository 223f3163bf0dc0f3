"""Secrets (the SIP password) live in the OS keyring, never in settings, the store or logs.

With no secure keyring backend (a headless box, ``keyring.backends.fail``), a password is kept in
memory for this session only and :attr:`SecretStore.secure` is False so the UI can tell the agent.
"""

from __future__ import annotations

import logging

from ucdesk.log import event

log = logging.getLogger(__name__)
SERVICE = "ucdesk"

_INSECURE_BACKENDS = ("fail", "null")
_PLAINTEXT_PACKAGES = ("keyrings.alt",)   # files on disk, or a passphrase prompt on stdin


def _secure(backend: object) -> bool:
    """True for a backend that keeps secrets safely at rest (Secret Service, KWallet, macOS…).

    A chainer is as good as its first backend: that is where it writes.
    """
    module = type(backend).__module__.lower()
    if module.endswith(".chainer"):
        chained = list(getattr(backend, "backends", []) or [])
        return bool(chained) and _secure(chained[0])
    if any(p in module for p in _INSECURE_BACKENDS) or module.startswith(_PLAINTEXT_PACKAGES):
        return False
    priority = getattr(backend, "priority", 0)
    return not (isinstance(priority, (int, float)) and priority <= 0)


class SecretStore:
    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._memory: dict[str, str] = {}
        self._keyring = None
        self.secure = False
        self.backend_name = "memory"
        try:
            import keyring
            from keyring.errors import KeyringError

            backend = keyring.get_keyring()
            name = f"{type(backend).__module__}.{type(backend).__name__}"
            if not _secure(backend):
                event(log, "keyring_unavailable", logging.WARNING, backend=name)
            else:
                self._keyring = keyring
                # D-Bus failures (jeepney, secretstorage) are not all KeyringErrors
                self._errors: tuple[type[BaseException], ...] = (KeyringError, Exception)
                self.secure = True
                self.backend_name = name
        except Exception as exc:  # a broken keyring install must not stop the app
            event(log, "keyring_unavailable", logging.WARNING, error=type(exc).__name__)

    def get(self, account: str) -> str | None:
        if account in self._memory:
            return self._memory[account]
        if self._keyring is None:
            return None
        try:
            return self._keyring.get_password(self.service, account)
        except self._errors as exc:
            event(log, "keyring_read_failed", logging.WARNING, error=type(exc).__name__)
            return None

    def set(self, account: str, secret: str) -> bool:
        """Store a secret. Returns True when it went to the keyring, False when memory only."""
        if self._keyring is not None:
            try:
                self._keyring.set_password(self.service, account, secret)
                self._memory.pop(account, None)
                event(log, "secret_stored", account=account, where="keyring")
                return True
            except self._errors as exc:
                event(log, "keyring_write_failed", logging.WARNING, error=type(exc).__name__)
        self._memory[account] = secret
        event(log, "secret_stored", account=account, where="memory")
        return False

    def delete(self, account: str) -> None:
        self._memory.pop(account, None)
        if self._keyring is not None:
            try:
                self._keyring.delete_password(self.service, account)
            except Exception:  # noqa: BLE001 - absent is fine
                pass
