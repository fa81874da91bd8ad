from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and benchmark data (`seed_demo`, `seed_demo_history`): outside the domain, on top
    of it. It may import every app; no app imports it."""

    name = "demo"
    verbose_name = "Demo data"
