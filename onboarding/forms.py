from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.models import Jobcenter

from .files import FORMATS
from .models import ImportKind

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(label=_("File (CSV or Excel .xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


class ExportForm(forms.Form):
    jobcenter = forms.ModelChoiceField(label=_("Jobcenter"), queryset=Jobcenter.objects.all())
    kind = forms.ChoiceField(label=_("What to export"), choices=ImportKind.choices)
    file_format = forms.ChoiceField(label=_("Format"), choices=[(f, f.upper()) for f in FORMATS])
    with_cpr = forms.BooleanField(
        label=_("Include full CPR numbers"),
        required=False,
        help_text=_("Only for a move to another system: every citizen in the file is logged as exported."),
    )
