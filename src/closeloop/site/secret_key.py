"""The install's own secret key, generated on first start when SECRET_KEY is not set.

Sessions and CSRF tokens are signed with it, so it must be secret, stable across restarts and never a
constant in the code. It is kept readable by its owner only, beside the database in the var directory.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

__all__ = ["SECRET_KEY_FILE", "install_secret_key"]

SECRET_KEY_FILE = "secret_key"


def install_secret_key(var_dir: Path) -> str:
    """The key stored in `var_dir`, created (mode 0600, atomically) if there is none yet."""
    path = var_dir / SECRET_KEY_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        draft = var_dir / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(50) + "\n")
        try:
            # A hard link appears complete or not at all, and never replaces a key another process
            # (a second gunicorn worker starting at the same moment) has just written.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if len(key) < 32:
        raise ImproperlyConfigured(f"{path} holds no usable secret key: delete it to have a new one generated "
                                   "(signed-in users will have to sign in again), or set SECRET_KEY")
    return key
