"""The public face of the runs app (the Data Service of the book)."""
