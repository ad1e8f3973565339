"""The public face of the strava app."""
