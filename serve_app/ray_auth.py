"""Ray's own token authentication for a cluster PyGent starts or joins.

Ray 2.60 guards its GCS, dashboard and Jobs API with one shared token when `RAY_AUTH_MODE`
is `token`. A cluster `pygent up` starts uses it by default (`ray.auth_mode`): the token is
made once into the state directory (mode 0600, `ray.auth_token_file`) and handed to Ray as
`RAY_AUTH_TOKEN_PATH`; the CLI and `serve_app.client.connect()` on the same machine read the
same file. An operator's own `RAY_AUTH_TOKEN` / `RAY_AUTH_TOKEN_PATH` (a multi-node cluster
whose token is a Kubernetes secret) is used instead, and Ray's own `RAY_AUTH_MODE`, when set,
wins over the setting (the test suite and the benches run their clusters with it `disabled`).

The Serve gateway is not behind Ray's token: PyGent's own authentication guards it.
"""

from __future__ import annotations

import os
from pathlib import Path

from configs.settings import Settings

MODE_VARIABLE = "RAY_AUTH_MODE"
TOKEN_VARIABLES = ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")


def auth_mode(settings: Settings) -> str:
    """`token` or `disabled`: Ray's RAY_AUTH_MODE when it is set, else `ray.auth_mode`."""
    explicit = os.environ.get(MODE_VARIABLE, "").strip().lower()
    return explicit if explicit in ("token", "disabled") else settings.ray.auth_mode


def token_file(settings: Settings) -> Path:
    """Where the token of a cluster PyGent starts is kept."""
    configured = settings.ray.auth_token_file
    return settings.resolve_path(configured) if configured else settings.state_path / "ray-auth-token"


def ensure_token(path: Path) -> Path:
    """The token file, made (a fresh random token, mode 0600) when it does not exist."""
    if not path.exists():
        from ray._private.authentication.authentication_token_generator import generate_new_authentication_token

        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(generate_new_authentication_token())
    return path


def token_location(settings: Settings) -> Path:
    """The file this process reads the token from: an operator's RAY_AUTH_TOKEN_PATH, else ours."""
    return Path(os.environ.get("RAY_AUTH_TOKEN_PATH") or token_file(settings))


def read_token(settings: Settings) -> str | None:
    """The token this process would present (for an HTTP call to the dashboard), or None."""
    if os.environ.get("RAY_AUTH_TOKEN"):
        return os.environ["RAY_AUTH_TOKEN"].strip()
    path = token_location(settings)
    return path.read_text().strip() if path.is_file() else None


def prepare(settings: Settings, *, starting: bool) -> str:
    """Set this process (and the Ray processes it starts) up for the cluster's auth mode,
    before `ray.init`: the mode. `starting`: we start the cluster, so a missing token is made;
    a joining process uses the token file when there is one (Ray says clearly when none is)."""
    mode = auth_mode(settings)
    os.environ[MODE_VARIABLE] = mode
    if mode == "token" and not any(os.environ.get(v) for v in TOKEN_VARIABLES):
        path = token_file(settings)
        if starting:
            ensure_token(path)
        if path.is_file():
            os.environ["RAY_AUTH_TOKEN_PATH"] = str(path)
    # Ray reads its mode into a cached config when it is imported: refresh it, as Ray's own
    # default-on path does, so an environment changed after `import ray` takes effect.
    from ray._raylet import Config  # type: ignore[attr-defined]  # compiled; no stubs

    Config.initialize("")
    return mode
