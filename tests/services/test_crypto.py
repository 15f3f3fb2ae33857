import pytest

from services.crypto import DecryptionFailed, SecretBox


def test_roundtrip_and_rotation() -> None:
    old, new = SecretBox.generate_key(), SecretBox.generate_key()
    token = SecretBox([old]).encrypt("123456:SECRET")
    assert "SECRET" not in token
    assert SecretBox([new, old]).decrypt(token) == "123456:SECRET"
    with pytest.raises(DecryptionFailed):
        SecretBox([new]).decrypt(token)
