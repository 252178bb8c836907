"""The one small crypto interface of the platform (ARCHITECTURE.md "Crypto provider").

SM3 comes from OpenSSL through ``hashlib``; SM4-GCM from ``cryptography``. A certified cipher
machine (密码机) can replace :class:`SoftwareProvider` behind the same methods; the same
known-answer tests run against every provider.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from typing import Protocol


class CryptoProvider(Protocol):
    def hash(self, data: bytes) -> bytes: ...
    def hmac(self, key: bytes, data: bytes) -> bytes: ...
    def hmac_keyed(self, key: bytes) -> Callable[[bytes], bytes]: ...
    def encrypt(self, key: bytes, plaintext: bytes, associated_data: bytes = b"") -> bytes: ...
    def decrypt(self, key: bytes, ciphertext: bytes, associated_data: bytes = b"") -> bytes: ...


class SoftwareProvider:
    """SM3 / HMAC-SM3 / SM4-GCM in software (OpenSSL)."""

    nonce_size = 12

    def hash(self, data: bytes) -> bytes:
        return hashlib.new("sm3", data).digest()

    def hmac(self, key: bytes, data: bytes) -> bytes:
        # The digest named as text takes OpenSSL's one-shot HMAC (about 1.4× faster than a
        # constructor, which matters when verification recomputes every link of the chain).
        return hmac.digest(key, data, "sm3")

    def hmac_keyed(self, key: bytes) -> Callable[[bytes], bytes]:
        """``hmac`` under one key for many messages (audit verification: 100,000 of them).

        The key's inner and outer pads are hashed once and the state copied per message, about a
        fifth faster than one-shot calls. A provider without this shortcut may return
        ``lambda data: self.hmac(key, data)``.
        """
        keyed = hmac.new(key, digestmod="sm3")

        def digest(data: bytes) -> bytes:
            state = keyed.copy()
            state.update(data)
            return state.digest()

        return digest

    def encrypt(self, key: bytes, plaintext: bytes, associated_data: bytes = b"") -> bytes:
        """SM4-GCM; the output is nonce ‖ ciphertext ‖ tag."""
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        nonce = os.urandom(self.nonce_size)
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(associated_data)
        body = encryptor.update(plaintext) + encryptor.finalize()
        return nonce + body + encryptor.tag

    def decrypt(self, key: bytes, ciphertext: bytes, associated_data: bytes = b"") -> bytes:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        nonce, body, tag = ciphertext[: self.nonce_size], ciphertext[self.nonce_size : -16], ciphertext[-16:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(associated_data)
        return decryptor.update(body) + decryptor.finalize()


provider: CryptoProvider = SoftwareProvider()
