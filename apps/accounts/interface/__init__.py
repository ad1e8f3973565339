"""The public face of the accounts app: the only package other apps may import."""
