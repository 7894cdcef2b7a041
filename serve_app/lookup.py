"""What the route modules outside the Gateway class share: the settings the gateway put on
the app, and actors found by address (None when nothing answers to the name)."""

from typing import Any

import ray
from fastapi import Request

from configs.settings import Settings


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def actor_or_none(settings: Settings, address: str) -> Any:
    try:
        return ray.get_actor(address, namespace=settings.ray.namespace)
    except ValueError:
        return None
