import pytest

from tests.fakes.strava.server import FakeStrava


@pytest.fixture
def fake_strava(settings):
    fake = FakeStrava()
    base = fake.start()
    settings.STRAVA_API_URL = f"{base}/api/v3"
    settings.STRAVA_OAUTH_URL = f"{base}/oauth"
    settings.STRAVA_CLIENT_ID = "4242"
    settings.STRAVA_CLIENT_SECRET = "fake-secret"
    settings.STRAVA_WEBHOOK_VERIFY_TOKEN = "verify-me"
    settings.STRAVA_SUBSCRIPTION_ID = 7
    yield fake
    fake.stop()
