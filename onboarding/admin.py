"""Import and export in Django admin: upload, the dry run row by row, confirm; export.

Small files are dry-run in the request; larger ones go to the worker, and the run's page
shows the progress until the dry run is done. Nothing is written until the administrator
confirms on that page; the confirmed import runs in the worker the same way.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.admin import error_text
from core.errors import ApplicationError

from . import exports, services, tasks
from .forms import ExportForm, UploadForm
from .models import ImportRun, ImportStatus
from .reasons import ACTIONS, worded

# Files up to this many rows are dry-run at once, in the request.
SYNC_ROWS = 2000
REPORT_ROWS_SHOWN = 1000


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("file_name", "kind", "status", "progress", "created_by", "created_at")
    list_filter = ("kind", "status")
    change_list_template = "admin/onboarding/importrun/change_list.html"

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and (obj is None or obj.status != ImportStatus.COMMITTING)

    @admin.display(description=_("progress"))
    def progress(self, run: ImportRun) -> str:
        return f"{run.rows_done} / {run.rows_total}"

    def get_urls(self):
        own = [
            path(
                "<int:object_id>/confirm/",
                self.admin_site.admin_view(self.confirm_view),
                name="onboarding_importrun_confirm",
            ),
            path(
                "<int:object_id>/start/", self.admin_site.admin_view(self.start_view), name="onboarding_importrun_start"
            ),
            path("export/", self.admin_site.admin_view(self.export_view), name="onboarding_importrun_export"),
        ]
        return own + super().get_urls()

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                run = services.import_run_create(
                    kind=form.cleaned_data["kind"], file_name=upload.name, content=upload.read(), by=request.user
                )
            except ApplicationError as error:
                form.add_error("file", error_text(error))
            else:
                self._start(run)
                return redirect(reverse("admin:onboarding_importrun_change", args=[run.pk]))
        return TemplateResponse(
            request,
            "admin/onboarding/importrun/upload.html",
            self._context(request, form=form, title=_("Import a file")),
        )

    def _start(self, run: ImportRun) -> None:
        if run.rows_total <= SYNC_ROWS:
            services.import_run_plan(run=run)
        else:
            tasks.after_commit(tasks.plan_import, run)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_change_permission(request):
            raise PermissionDenied
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404
        rows = [
            {
                "row": entry["row"],
                "action": entry["action"],
                "action_text": ACTIONS.get(entry["action"], entry["action"]),
                "subject": entry["subject"],
                "reasons": worded(entry["reasons"]),
                "notes": worded(entry["notes"]),
            }
            for entry in run.report[:REPORT_ROWS_SHOWN]
        ]
        context = self._context(
            request,
            run=run,
            rows=rows,
            more=max(0, len(run.report) - REPORT_ROWS_SHOWN),
            counts=[(ACTIONS[a], n) for a, n in run.counts.items()],
            confirmable=run.status == ImportStatus.PLANNED,
            running=run.status in (ImportStatus.PENDING, ImportStatus.PLANNING, ImportStatus.COMMITTING),
            title=str(run),
        )
        return TemplateResponse(request, "admin/onboarding/importrun/run.html", context)

    @staticmethod
    def _run_or_404(object_id):
        return get_object_or_404(ImportRun, pk=object_id)

    def confirm_view(self, request, object_id):
        return require_POST(self._confirm)(request, object_id)

    def _confirm(self, request, object_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        run = self._run_or_404(object_id)
        try:
            run = services.import_run_confirm(run=run, by=request.user)
        except ApplicationError as error:
            messages.error(request, error_text(error))
        else:
            if run.rows_total <= SYNC_ROWS:
                services.import_run_commit(run=run)
                messages.success(request, _("Imported."))
            else:
                tasks.after_commit(tasks.commit_import, run)
                messages.info(request, _("The import runs in the background; this page shows its progress."))
        return redirect(reverse("admin:onboarding_importrun_change", args=[object_id]))

    def start_view(self, request, object_id):
        """Send a run that is still waiting to the worker again (its message may have been lost)."""
        return require_POST(self._start_again)(request, object_id)

    def _start_again(self, request, object_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        run = self._run_or_404(object_id)
        if run.status == ImportStatus.PENDING:
            tasks.after_commit(tasks.plan_import, run)
        elif run.status == ImportStatus.COMMITTING:
            tasks.after_commit(tasks.commit_import, run)
        return redirect(reverse("admin:onboarding_importrun_change", args=[object_id]))

    def export_view(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied
        form = ExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            content = exports.jobcenter_export(
                jobcenter=data["jobcenter"],
                kind=data["kind"],
                file_format=data["file_format"],
                by=request.user,
                with_cpr=data["with_cpr"],
            )
            name = f"{data['kind']}-{data['jobcenter'].municipality_code}.{data['file_format']}"
            response = HttpResponse(content, content_type=_CONTENT_TYPES[data["file_format"]])
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return TemplateResponse(
            request, "admin/onboarding/importrun/export.html", self._context(request, form=form, title=_("Export"))
        )


_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
