"""Django's SQLite backend, with the writers of a desk taking turns through a lock file (see `base`)."""
