import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The `world` personas each hash a password: PBKDF2 costs ~0.5 s per user on a shared CI
    core. Tests do not test hashing, so use the fast MD5 hasher here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
