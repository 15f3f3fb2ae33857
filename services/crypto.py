"""Encryption of secrets at rest (bot tokens, OAuth tokens, API keys) with Fernet.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) gives authenticated encryption and
key rotation through ``MultiFernet``: the first key encrypts, every key decrypts.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from services.errors import DomainError


class DecryptionFailed(DomainError):
    """A stored secret could not be decrypted with any configured key."""

    code = "decryption_failed"


class SecretBox:
    """Encrypts and decrypts short secrets with one or more Fernet keys."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    @staticmethod
    def generate_key() -> str:
        """A new random key, URL-safe base64."""
        return Fernet.generate_key().decode()

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext as ASCII text, safe to store in a string column."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """The plaintext; raises ``DecryptionFailed`` for a wrong key or tampered data."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise DecryptionFailed() from exc
