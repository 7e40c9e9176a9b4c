"""Secrets the operator did not set: generated once into the data directory, never a public default."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from pathlib import Path

from core.errors import ConfigurationError
from core.settings import Settings

logger = logging.getLogger(__name__)

SALT_FILE = "identity.salt"


def private_dir(path: Path) -> Path:
    """``path`` created if missing and readable by its owner only (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def identity_salt(settings: Settings) -> str:
    """RINGSCOPE_IDENTITY_SALT, or the salt generated at first start in the data directory.

    Every process on the same data directory reads the same file, so hashed phone, email and
    address nodes stay stable across restarts; a random salt means a guessed phone number does
    not reproduce the hash shown in the UI. Losing the file changes every identity hash.
    """
    if settings.identity_salt:
        return settings.identity_salt
    path = private_dir(Path(settings.data_dir)) / SALT_FILE
    if not path.exists():
        # written whole to a private file of its own (a unique name: threads of one process
        # share a pid), then linked into place: of two starting together, one link wins and
        # both read the same complete salt
        fd, name = tempfile.mkstemp(prefix=f".{SALT_FILE}.", dir=path.parent)
        tmp = Path(name)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
            logger.warning(
                "RINGSCOPE_IDENTITY_SALT is not set: generated one in %s; back it up with the "
                "data (identity hashes depend on it) or set the variable",
                path,
            )
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    salt = path.read_text().strip()
    if len(salt) < 16:
        raise ConfigurationError(
            f"{path} holds no usable identity salt; restore it from a backup or set "
            "RINGSCOPE_IDENTITY_SALT (at least 16 characters)"
        )
    return salt
