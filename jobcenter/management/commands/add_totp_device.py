"""Register a TOTP device for a user from the command line: how the first administrator gets
one, when every way in already asks administrators for a code (production's default)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Register a confirmed TOTP device for a user and print its otpauth:// URL for an authenticator app."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator", help="What the device is called in admin.")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        # The URL holds the device's secret: it goes to the operator's terminal only, once.
        self.stdout.write(device.config_url)
