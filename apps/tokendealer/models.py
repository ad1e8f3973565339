from django.db import models

from project.rpc import interface


def default_scopes() -> list[str]:
    """A new client may read and write; give it fewer scopes to keep it to reads."""
    return [interface.READ_SCOPE, interface.WRITE_SCOPE]


class ServiceClient(models.Model):
    """A service that may ask for tokens: its id, a hashed secret, and the audiences and scopes it may get."""

    client_id = models.SlugField(unique=True)
    name = models.CharField(max_length=100, blank=True)
    # dealing.secret_digest (older ones: a password hash); the secret itself is shown once
    secret_hash = models.CharField(max_length=256)
    audiences = models.JSONField(default=list, help_text='services it may call, e.g. ["reports", "runs"]')
    scopes = models.JSONField(
        default=default_scopes,
        blank=True,
        help_text='scopes it may get: "read" calls read-only methods, "write" the others; empty: none',
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_token_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["client_id"]

    def __str__(self) -> str:
        return self.client_id


class SigningKey(models.Model):
    """An RSA key pair. `next` is published before it signs, `current` signs, `retired` is published
    until the last token it signed has expired."""

    class Status(models.TextChoices):
        NEXT = "next", "Next (published, not signing yet)"
        CURRENT = "current", "Current (signing)"
        RETIRED = "retired", "Retired"

    kid = models.CharField(max_length=64, unique=True)
    private_key = models.BinaryField()  # PEM, sealed with TOKENDEALER_KEY_ENCRYPTION_KEYS (project/crypto.py)
    public_jwk = models.JSONField()
    status = models.CharField(max_length=8, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [  # one current and one next, even when two processes make the first keys at once
            models.UniqueConstraint(
                fields=["status"], condition=~models.Q(status="retired"), name="tokendealer_one_per_status"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.status})"
