"""How analysts' passwords are stored: Argon2id with the memory and time cost OWASP recommends.

Django's own Argon2 hasher allocates 100 MiB per password check (memory_cost 102400 KiB, parallelism 8),
so every sign-in briefly grows a web worker by that much. OWASP's Password Storage Cheat Sheet lists
Argon2id settings that "provide an equal level of defense, and the only difference is a trade off between
CPU and RAM usage"; Closeloop uses its headline minimum, m=19456 KiB (19 MiB), t=2, p=1. Hashes made with
other parameters (Django's defaults, PBKDF2) still verify and are rewritten with these at the next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher

__all__ = ["OwaspArgon2PasswordHasher"]


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended minimum: 19 MiB of memory, 2 iterations, 1 lane."""

    # Same algorithm name as Django's hasher: hashes stay "argon2$argon2id$v=19$m=...,t=...,p=...", each
    # carrying its own parameters, so a hash made with other parameters verifies and is then upgraded.
    memory_cost = 19456  # KiB
    time_cost = 2
    parallelism = 1
