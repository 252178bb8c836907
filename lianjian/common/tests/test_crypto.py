"""Known-answer tests of the crypto provider (ARCHITECTURE.md "Crypto provider").

The vectors are the examples of GB/T 32905-2016 (SM3) and GB/T 32907-2016 (SM4); the same tests
are meant to run against every provider, a cipher machine's included.
"""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from lianjian.common.crypto import provider

KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")


def test_sm3_of_abc_is_the_standard_example_1() -> None:
    assert provider.hash(b"abc").hex() == ("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


def test_sm3_of_64_bytes_is_the_standard_example_2() -> None:
    assert provider.hash(b"abcd" * 16).hex() == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_sm4_block_is_the_standard_example() -> None:
    encryptor = Cipher(algorithms.SM4(KEY), modes.ECB()).encryptor()  # noqa: S305 - one block, a KAT

    ciphertext = encryptor.update(KEY) + encryptor.finalize()

    assert ciphertext.hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gcm_round_trip_with_associated_data() -> None:
    plaintext = "过问干预记录：某领导于 2026-01-05 电话询问案件进展".encode()

    sealed = provider.encrypt(KEY, plaintext, b"interference:42")

    assert plaintext not in sealed
    assert len(sealed) == 12 + len(plaintext) + 16
    assert provider.decrypt(KEY, sealed, b"interference:42") == plaintext


def test_sm4_gcm_uses_a_fresh_nonce_each_time() -> None:
    assert provider.encrypt(KEY, b"same", b"") != provider.encrypt(KEY, b"same", b"")


@pytest.mark.parametrize("position", [0, 12, -1])
def test_sm4_gcm_detects_a_changed_byte(position: int) -> None:
    sealed = bytearray(provider.encrypt(KEY, b"confidential", b"aad"))
    sealed[position] ^= 0x01

    with pytest.raises(InvalidTag):
        provider.decrypt(KEY, bytes(sealed), b"aad")


def test_sm4_gcm_detects_other_associated_data() -> None:
    sealed = provider.encrypt(KEY, b"confidential", b"interference:42")

    with pytest.raises(InvalidTag):
        provider.decrypt(KEY, sealed, b"interference:43")


def test_sm4_gcm_refuses_another_key() -> None:
    sealed = provider.encrypt(KEY, b"confidential", b"")

    with pytest.raises(InvalidTag):
        provider.decrypt(bytes(16), sealed, b"")


def test_hmac_sm3_is_deterministic_and_keyed() -> None:
    first = provider.hmac(b"key-one", b"message")

    assert provider.hmac(b"key-one", b"message") == first
    assert len(first) == 32
    assert provider.hmac(b"key-two", b"message") != first
    assert provider.hmac(b"key-one", b"message!") != first
    assert first != provider.hash(b"message")


def test_hmac_sm3_follows_rfc_2104() -> None:
    """H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)) with SM3's 64-byte block, computed by hand."""
    key, message = b"audit-chain", b"abc"
    block = key.ljust(64, b"\0")
    inner = provider.hash(bytes(b ^ 0x36 for b in block) + message)
    expected = provider.hash(bytes(b ^ 0x5C for b in block) + inner)

    assert provider.hmac(key, message) == expected
