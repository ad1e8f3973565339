"""The public face of the imports app."""
