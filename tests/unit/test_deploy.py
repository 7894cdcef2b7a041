"""deploy/ stays consistent with the code: the manifests parse, carry what a cluster needs
(an external database, the gateway on every node), and every PYGENT_* value they set is one
configs/settings.py accepts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import ray
import yaml

from configs.settings import PROJECT_ROOT, load_settings

DEPLOY = PROJECT_ROOT / "deploy"


def _documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / name).read_text()) if d is not None]


def _containers(pod_template: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = pod_template["spec"]["containers"]
    return containers


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def _ray_cluster() -> dict[str, Any]:
    return next(d for d in _documents("kuberay-raycluster.yaml") if d["kind"] == "RayCluster")


def _all_containers() -> list[dict[str, Any]]:
    cluster = _ray_cluster()["spec"]
    job = next(d for d in _documents("pygent-job.yaml") if d["kind"] == "Job")
    return [
        *_containers(cluster["headGroupSpec"]["template"]),
        *(c for group in cluster["workerGroupSpecs"] for c in _containers(group["template"])),
        *_containers(job["spec"]["template"]),
    ]


def test_the_ray_cluster_runs_this_ray_version_and_one_image_everywhere() -> None:
    cluster = _ray_cluster()
    assert cluster["apiVersion"] == "ray.io/v1"
    assert cluster["spec"]["rayVersion"] == ray.__version__
    assert cluster["spec"]["workerGroupSpecs"], "a cluster needs worker nodes"
    assert len({c["image"] for c in _all_containers()}) == 1


def test_every_pod_uses_an_external_database_and_a_shared_signing_secret() -> None:
    for container in _all_containers():
        env = _env(container)
        assert "secretKeyRef" in env["PYGENT_DATABASE_URL"]["valueFrom"], container["name"]
        assert "secretKeyRef" in env["PYGENT_AUTH_SECRET"]["valueFrom"], container["name"]


def test_every_pod_and_the_job_present_the_clusters_ray_token() -> None:
    tokens = set()
    for container in _all_containers():
        env = _env(container)
        assert env["RAY_AUTH_MODE"]["value"] == "token", container["name"]
        reference = env["RAY_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"]
        tokens.add((reference["name"], reference["key"]))
    assert len(tokens) == 1, f"one token for the whole cluster, not {tokens}"


def test_the_gateway_answers_on_every_node() -> None:
    service = next(d for d in _documents("kuberay-raycluster.yaml") if d["kind"] == "Service")
    assert service["spec"]["selector"] == {"ray.io/cluster": _ray_cluster()["metadata"]["name"]}
    for container in _all_containers()[:-1]:  # the cluster's pods (not the job)
        assert 8000 in {p["containerPort"] for p in container["ports"]}
        assert _env(container)["PYGENT_SERVE_PROXY_LOCATION"]["value"] == "EveryNode"


def _dockerfile_env() -> dict[str, str]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            found.update(re.findall(r"(PYGENT_\w+)=(\S+)", line))
    return found


def test_every_pygent_value_in_deploy_is_a_valid_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    values = _dockerfile_env()
    for container in _all_containers():
        values.update({k: e["value"] for k, e in _env(container).items() if k.startswith("PYGENT_") and "value" in e})
    assert {"PYGENT_STATE_DIR", "PYGENT_SERVE_REPLICAS", "PYGENT_SERVE_PROXY_LOCATION"} <= set(values)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()  # raises on a name or value the settings refuse
    assert settings.serve.replicas == "auto" and settings.serve.proxy_location == "EveryNode"
    assert settings.state_path == Path(values["PYGENT_STATE_DIR"])


def test_the_dockerfile_copies_every_package_of_the_platform() -> None:
    copied = set(re.findall(r"^COPY (\w+) \1$", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE))
    assert {"actors", "supervisors", "protocols", "serve_app", "configs"} <= copied
