from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from .views.auth import LogoutAllView, LogoutView, MeView, TokenView
from .views.cases import AlertViewSet, CaseViewSet, CitizenViewSet
from .views.casework import AgendaView, CaseJournalViewSet, ContactRuleViewSet, MeetingViewSet
from .views.docs import SwaggerView
from .views.staff import CaseworkerViewSet, JobcenterViewSet, PolicyViewSet, TeamViewSet

app_name = "api"

router = SimpleRouter()
router.register("jobcenters", JobcenterViewSet, basename="jobcenter")
router.register("teams", TeamViewSet, basename="team")
router.register("caseworkers", CaseworkerViewSet, basename="caseworker")
router.register("policies", PolicyViewSet, basename="policy")
router.register("citizens", CitizenViewSet, basename="citizen")
router.register("cases", CaseViewSet, basename="case")
router.register("alerts", AlertViewSet, basename="alert")
router.register(r"cases/(?P<case_id>[^/.]+)/journal", CaseJournalViewSet, basename="case-journal")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("contact-rules", ContactRuleViewSet, basename="contact-rule")

v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", LogoutAllView.as_view(), name="logout_all"),
    path("me/", MeView.as_view(), name="me"),
    path("me/agenda/", AgendaView.as_view(), name="me_agenda"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(v1)),
]
