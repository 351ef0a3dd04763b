"""docker-compose and the images: every queue has a worker without a GPU, nothing starts before
the migrations, the long-running services have health checks, and the images hold no test tools."""
import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
WORKERS = [name for name in COMPOSE if name.startswith("worker-")]


def test_every_queue_has_a_worker_on_a_host_without_a_gpu():
    consumed = set()
    for name in WORKERS:
        assert "deploy" not in COMPOSE[name], f"{name} needs a GPU in docker-compose.yml"
        consumed |= set(re.search(r"--queues (\S+)", COMPOSE[name]["command"]).group(1).split(","))
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} <= consumed


def test_the_gpu_file_only_gives_workers_a_gpu():
    gpu = yaml.safe_load((ROOT / "docker-compose.gpu.yml").read_text())["services"]
    assert set(gpu) <= set(WORKERS)
    assert all(set(service) == {"deploy"} for service in gpu.values())


def test_the_web_server_and_workers_wait_for_the_migrations_and_have_health_checks():
    assert COMPOSE["migrate"]["command"] == "python manage.py migrate --noinput"
    for name in ["web", *WORKERS]:
        assert COMPOSE[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "healthcheck" in COMPOSE[name], name
    assert "/healthz" in " ".join(COMPOSE["web"]["healthcheck"]["test"])


def requirements(name: str) -> set[str]:
    packages = set()
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            packages |= requirements(line[3:])
        elif line:
            packages.add(re.split(r"[=<>\[]", line)[0].lower())
    return packages


def test_the_images_install_no_test_tools():
    targets = re.findall(r"pip install --no-cache-dir -r requirements/(\S+)", (ROOT / "Dockerfile").read_text())
    assert sorted(targets) == ["base.txt", "flower.txt", "worker.txt"]
    for target in targets:
        assert not requirements(target) & {"pytest", "pytest-django", "playwright"}, target
    assert "tests" in (ROOT / ".dockerignore").read_text().split()
