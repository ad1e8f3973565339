"""Tests of what crosses every app at once (an account deleted or exported everywhere): they read each app's
tables to prove it, so they sit outside the per-app suites' import boundaries."""
