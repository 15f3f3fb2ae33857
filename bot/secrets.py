"""The box that encrypts secrets at rest (``services.crypto``), built once at start-up.

``ENCRYPTION_KEY`` (comma-separated for rotation) in production; the embedded default with
no key configured gets a random key created once in ``DATA_DIR/secret.key`` (mode 0600), so
secrets are still never stored in clear text.
"""

from __future__ import annotations

import os

from bot.config import Settings
from services.crypto import SecretBox

KEY_FILE = "secret.key"


def make_secret_box(settings: Settings) -> SecretBox:
    """From ``ENCRYPTION_KEY``, else from the data directory's key file (created if absent)."""
    if settings.encryption_key is not None:
        keys = [k.strip() for k in settings.encryption_key.get_secret_value().split(",")
                if k.strip()]
        return SecretBox(keys)
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(SecretBox.generate_key())
    return SecretBox([path.read_text().strip()])
