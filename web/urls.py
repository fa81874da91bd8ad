from django.http import HttpResponse
from django.urls import path

app_name = "web"


def home(request):
    return HttpResponse("jobcenter")


urlpatterns = [path("", home, name="home")]
