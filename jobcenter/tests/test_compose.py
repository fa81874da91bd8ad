"""docker-compose.yml cannot run here (no Docker); these tests hold it to the settings."""

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
SETTINGS = ROOT / "jobcenter" / "settings"
APP_SERVICES = ("web", "worker", "beat")
# env("X"), env.bool("X"), env.list("X", default=...), env.db("X") ...
ENV_CALL = re.compile(
    r"""\benv(?:\.(?:str|bool|int|float|list|tuple|dict|json|url|db|db_url|cache|cache_url|email|email_url|path))?\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else " ".join(command.split())


def _env_example() -> tuple[set[str], set[str]]:
    """Names set in .env.example, and names only documented in a commented `# NAME=` line."""
    active, documented = set(), set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        if match := re.match(r"^([A-Z][A-Z0-9_]*)=", line):
            active.add(match.group(1))
        elif match := re.match(r"^#\s*([A-Z][A-Z0-9_]*)=", line):
            documented.add(match.group(1))
    return active, documented


def _settings_env_vars(path: Path) -> dict[str, bool]:
    """Every variable a settings module reads, and whether it has a default."""
    source = path.read_text()
    names = {name: False for name in ENV_CALL.findall(source)}
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in names
            and (any(k.arg == "default" for k in node.keywords) or len(node.args) > 1)
        ):
            names[node.args[0].value] = True
    return names


def test_the_five_services_exist(compose):
    assert set(compose["services"]) >= {"web", "worker", "beat", "postgres", "redis"}


def test_web_worker_and_beat_share_one_image_built_from_the_dockerfile(compose):
    services = compose["services"]
    builds = {repr(services[name].get("build")) for name in APP_SERVICES}
    images = {services[name].get("image") for name in APP_SERVICES}
    assert len(builds) == 1 and builds != {"None"}
    assert len(images) == 1 and images != {None}
    build = services["web"]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).is_file()


def test_the_commands(compose):
    services = compose["services"]
    web = _command(services["web"])
    assert re.search(r"\bgunicorn jobcenter\.wsgi(:application)?\b", web)
    assert "manage.py migrate --noinput" in web
    assert web.index("migrate") < web.index("gunicorn")  # migrate first, then serve
    worker = _command(services["worker"])
    assert re.search(r"\bcelery -A jobcenter worker\b", worker)
    assert "--beat" not in worker and " -B" not in worker  # the beat is a service of its own
    assert re.search(r"\bcelery -A jobcenter beat\b", _command(services["beat"]))


def test_exactly_one_beat(compose):
    services = compose["services"]
    beats = [name for name, s in services.items() if re.search(r"\bbeat\b|--beat|\s-B\b", _command(s))]
    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1


def test_postgres_15_and_redis_7(compose):
    assert compose["services"]["postgres"]["image"].split(":")[1].startswith("15")
    assert compose["services"]["redis"]["image"].split(":")[1].startswith("7")


def test_every_service_is_health_checked_or_waits_for_healthy_services(compose):
    services = compose["services"]
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        for dependency, condition in depends.items():
            assert condition == {"condition": "service_healthy"}, f"{name} → {dependency}"
            assert "healthcheck" in services[dependency], f"{dependency} has no health check to wait for"
        assert "healthcheck" in service or depends, f"{name} has neither a health check nor healthy dependencies"
    for name in ("web", "worker", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    for name in APP_SERVICES:
        assert {"postgres", "redis"} & set(services[name]["depends_on"]) or "web" in services[name]["depends_on"]
    assert set(services["web"]["depends_on"]) == {"postgres", "redis"}


def test_the_app_services_read_env_from_the_env_file(compose):
    for name in (*APP_SERVICES, "postgres"):
        env_file = compose["services"][name].get("env_file")
        assert env_file in (".env", [".env"]), name


def test_the_web_health_check_passes_the_production_security_settings(compose):
    # production redirects plain HTTP and checks Host: the probe must look like the proxy
    probe = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    assert "X-Forwarded-Proto" in probe and "https" in probe
    # readiness (database, migrations, cache, broker), not merely a page that renders
    assert re.search(r'"http://127\.0\.0\.1:8000/readyz"', probe), probe
    host = re.search(r'"Host": "([^"]+)"', probe).group(1)
    hosts = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.startswith("DJANGO_ALLOWED_HOSTS=")
    )["DJANGO_ALLOWED_HOSTS"].split(",")
    assert host in hosts


def test_every_variable_the_settings_read_is_in_env_example():
    active, documented = _env_example()
    missing = {}
    for path in sorted(SETTINGS.glob("*.py")):
        for name in _settings_env_vars(path):
            if name not in active | documented:
                missing.setdefault(name, []).append(path.name)
    assert not missing, f"add these to .env.example: {missing}"


def test_the_settings_regex_finds_what_it_must():
    # guards the test above against a regex that silently matches nothing
    found = set()
    for path in SETTINGS.glob("*.py"):
        found |= set(_settings_env_vars(path))
    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "CPR_ENCRYPTION_KEY", "DJANGO_ALLOWED_HOSTS", "EMAIL_URL"} <= found
    assert {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_DEBUG"} <= found


def test_what_production_requires_is_set_not_just_documented():
    active, _ = _env_example()
    required = {name for name, has_default in _settings_env_vars(SETTINGS / "production.py").items() if not has_default}
    assert required >= {"DJANGO_SECRET_KEY", "CPR_ENCRYPTION_KEY", "DJANGO_ALLOWED_HOSTS"}
    assert required <= active, f"required by production settings but not set: {required - active}"
    # what the stack needs to talk to its own services is set too
    assert {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE"} <= active
    assert {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"} <= active
    assert {"CASELOAD_CHECK_INTERVAL_SECONDS", "QUEUE_ALERT_AFTER_HOURS"} <= active


def test_env_example_points_at_production_and_the_compose_services():
    values = dict(
        line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines() if re.match(r"^[A-Z_]+=", line)
    )
    assert values["DJANGO_SETTINGS_MODULE"] == "jobcenter.settings.production"
    assert values["DJANGO_DEBUG"].lower() in {"false", "0", "off", "no"}
    assert "@postgres:5432/" in values["DATABASE_URL"]
    assert values["DATABASE_URL"].endswith("/" + values["POSTGRES_DB"])
    assert f"{values['POSTGRES_USER']}:{values['POSTGRES_PASSWORD']}@" in values["DATABASE_URL"]
    assert values["REDIS_URL"].startswith("redis://redis:6379")
    assert values["CELERY_BROKER_URL"].startswith("redis://redis:6379")
    # secrets ship empty, so that a stack started from the example refuses to run
    assert values["DJANGO_SECRET_KEY"] == "" and values["CPR_ENCRYPTION_KEY"] == ""


def test_the_dockerfile():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert "gunicorn" in dockerfile.split("USER")[-1]
    # no secret baked into the image
    assert not re.search(r"^ENV\s.*(SECRET_KEY|CPR_ENCRYPTION_KEY)", dockerfile, re.M)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".venv" in ignored and ".git" in ignored


# --- The profile `scale`: two web instances and two workers behind nginx, one beat ----------

NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def _active(compose: dict, profiles: set[str]) -> dict:
    """The services `docker compose --profile ... up` starts with these profiles."""
    return {
        name: service
        for name, service in compose["services"].items()
        if not service.get("profiles") or set(service["profiles"]) & profiles
    }


def _profiles(compose: dict) -> set[str]:
    return {p for service in compose["services"].values() for p in service.get("profiles", [])}


def _is_worker(service: dict) -> bool:
    return bool(re.search(r"\bcelery -A jobcenter worker\b", _command(service)))


def _is_beat(service: dict) -> bool:
    return bool(re.search(r"\bcelery -A jobcenter beat\b|--beat\b|\s-B\b", _command(service)))


def _is_web(service: dict) -> bool:
    return bool(re.search(r"\bgunicorn jobcenter\.wsgi(:application)?\b", _command(service)))


def test_the_default_stack_is_unchanged_by_the_profiles(compose):
    assert set(_active(compose, set())) == {"web", "worker", "beat", "postgres", "redis"}
    assert "scale" in _profiles(compose)


def test_the_scale_profile_has_two_web_instances_and_two_workers(compose):
    scale = _active(compose, {"scale"})
    webs = sorted(name for name, service in scale.items() if _is_web(service))
    workers = sorted(name for name, service in scale.items() if _is_worker(service))
    assert len(webs) == 2 and len(workers) == 2, (webs, workers)
    # exactly one of them migrates, and the other starts only once it is healthy
    migrating = [name for name in webs if "migrate" in _command(scale[name])]
    assert migrating == ["web"]
    for name in set(webs) - {"web"}:
        assert scale[name]["depends_on"]["web"] == {"condition": "service_healthy"}
        assert "ports" not in scale[name]  # reached through the proxy only


@pytest.mark.parametrize("profiles", [set(), {"scale"}, None])
def test_exactly_one_beat_in_every_profile_and_no_worker_runs_one(compose, profiles):
    profiles = _profiles(compose) if profiles is None else profiles  # None: all of them at once
    active = _active(compose, profiles)
    beats = [name for name, service in active.items() if _is_beat(service)]
    assert beats == ["beat"], (profiles, beats)
    assert active["beat"].get("deploy", {}).get("replicas", 1) == 1
    for name, service in active.items():
        if _is_worker(service):
            assert not re.search(r"--beat\b|\s-B\b", _command(service)), name


def test_the_proxy_sends_to_both_web_instances(compose):
    scale = _active(compose, {"scale"})
    proxies = [
        name for name, service in scale.items() if str(service.get("image", "")).startswith(("nginx:", "caddy:"))
    ]
    assert proxies == ["proxy"]
    proxy = scale["proxy"]
    mounted = {volume.split(":")[0]: volume.split(":")[1] for volume in proxy["volumes"]}
    assert mounted["./deploy/nginx.conf"] == "/etc/nginx/conf.d/default.conf"
    assert NGINX_CONF.is_file()

    conf = NGINX_CONF.read_text()
    upstream = re.search(r"upstream\s+(\w+)\s*\{(.*?)\}", conf, re.S)
    servers = set(re.findall(r"^\s*server\s+([\w.-]+:\d+)", upstream.group(2), re.M))
    webs = {f"{name}:8000" for name, service in scale.items() if _is_web(service)}
    assert servers == webs == {"web:8000", "web2:8000"}
    assert re.search(rf"proxy_pass\s+http://{upstream.group(1)};", conf)
    # the instances count clients by X-Forwarded-For (TRUSTED_PROXY_COUNT): nginx must append
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;", conf)
    assert re.search(r"proxy_set_header\s+X-Forwarded-Proto\s", conf)
    assert re.search(r"proxy_set_header\s+Host\s+\$host;", conf)
    # a POST is never retried on the other instance (an intake must not be sent twice)
    directives = [line.split("#")[0] for line in conf.splitlines()]
    assert not [line for line in directives if "non_idempotent" in line]
    # it waits for both instances to be healthy
    assert set(proxy["depends_on"]) == {"web", "web2"}
    assert all(condition == {"condition": "service_healthy"} for condition in proxy["depends_on"].values())


def test_every_service_of_the_scale_profile_is_health_checked(compose):
    scale = _active(compose, {"scale"})
    for name, service in scale.items():
        if name != "beat":  # beat has no ping of its own; it waits for healthy services
            assert service.get("healthcheck", {}).get("test"), name
    probe = " ".join(scale["proxy"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1(/[\w-]+)", probe).group(1)
    assert re.search(rf"location\s+=\s+{path}\s*\{{", NGINX_CONF.read_text())
