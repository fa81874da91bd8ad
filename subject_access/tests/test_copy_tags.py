from django.utils import translation

from subject_access.templatetags.copy_tags import span


def test_a_meeting_within_one_day_names_the_day_once():
    with translation.override("da"):
        assert span("2026-01-07T08:30+01:00", "2026-01-07T09:15+01:00") == "7. januar 2026 08:30–09:15"
        assert span("2026-01-07T23:30+01:00", "2026-01-08T00:15+01:00") == "7. januar 2026 23:30 – 8. januar 2026 00:15"
        assert span("2026-01-07T08:30+01:00", None) == "7. januar 2026 08:30"
