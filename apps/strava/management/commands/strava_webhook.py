from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.strava import client


class Command(BaseCommand):
    help = "Manage the app's Strava push subscription: create CALLBACK_URL, list, or delete ID."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "list", "delete"])
        parser.add_argument("argument", nargs="?", help="the callback URL (create) or the subscription id (delete)")

    def handle(self, *args, action, argument=None, **options):
        if not (settings.STRAVA_CLIENT_ID and settings.STRAVA_CLIENT_SECRET):
            raise CommandError("set STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET first")
        try:
            if action == "create":
                if not argument or not settings.STRAVA_WEBHOOK_VERIFY_TOKEN or not settings.STRAVA_WEBHOOK_PATH_SECRET:
                    raise CommandError(
                        "give the public callback URL (…/strava/webhook/) and set STRAVA_WEBHOOK_VERIFY_TOKEN and "
                        "STRAVA_WEBHOOK_PATH_SECRET (python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
                    )
                callback_url = f"{argument.rstrip('/')}/{settings.STRAVA_WEBHOOK_PATH_SECRET}/"
                created = client.subscriptions(
                    "POST", data={"callback_url": callback_url, "verify_token": settings.STRAVA_WEBHOOK_VERIFY_TOKEN}
                )
                self.stdout.write(
                    self.style.SUCCESS(
                        f"subscription {created['id']} created; set STRAVA_SUBSCRIPTION_ID={created['id']}"
                    )
                )
            elif action == "list":
                for subscription in client.subscriptions("GET") or []:
                    self.stdout.write(f"{subscription['id']}  {subscription.get('callback_url', '')}")
            else:
                if not argument:
                    raise CommandError("give the subscription id to delete")
                client.subscriptions("DELETE", f"/{int(argument)}")
                self.stdout.write(self.style.SUCCESS(f"subscription {argument} deleted"))
        except client.StravaError as error:
            raise CommandError(str(error)) from None
