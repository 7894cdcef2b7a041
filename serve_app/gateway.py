"""The HTTP and WebSocket surface: a Ray Serve deployment with a FastAPI ingress.

/api/v1/...   REST (health, the supervision tree, bus requests, chaos kill)
/ws           WebSocket: ping/pong, connection_status, topic subscriptions, bus requests
/docs         OpenAPI
/             the web UI (ui/dist when built, else the placeholder in ui/public)

No `from __future__ import annotations` here: FastAPI reads the route annotations
at run time, and Serve's ingress rebinds the methods, which breaks string annotations.
"""

import asyncio
import contextlib
import logging
import time
from typing import Any

import msgpack
import ray
from fastapi import FastAPI, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from ray import serve
from ray.exceptions import RayActorError

from actors.refs import await_ref
from configs.settings import Settings
from protocols.addresses import BUS, MONITOR, OLLAMA, ROOT, STORE, Address, InvalidAddress
from protocols.events import WsClientMessage, WsServerMessage
from protocols.jsonrpc import BusRequest
from protocols.models import ChatRequest, ModelError, ModelErrorCode
from protocols.rest import (
    ComponentHealth,
    DatabaseHealth,
    ErrorCode,
    HealthReport,
    KillRequest,
    KillResponse,
)
from protocols.supervision import ChildStatus
from serve_app.agents_api import router as agents_router
from serve_app.chat_api import router as chat_router
from serve_app.chat_api import ws_agent_chat, ws_stop_agent_chat
from serve_app.errors import ApiError, JsonBodyByDefault, install_error_handlers
from serve_app.mcp_api import router as mcp_router
from serve_app.mcp_endpoint import mount as mount_mcp_endpoint
from serve_app.memory_api import router as memory_router
from serve_app.models_api import as_model_error, resolve
from serve_app.models_api import router as models_router
from serve_app.relay import TopicRelay
from serve_app.search_api import router as search_router
from serve_app.ui_api import pick_ui_dir, ui_response
from serve_app.ui_api import router as ui_router
from supervisors.health import health_from_tree

log = logging.getLogger(__name__)

API = "/api/v1"

app = FastAPI(
    title="PyGent Factory",
    version="0.1.0",
    description="Supervised AI agents on Ray: REST + WebSocket API.",
)
install_error_handlers(app)
app.add_middleware(JsonBodyByDefault)
app.include_router(models_router, prefix=API)
app.include_router(ui_router, prefix=API)
app.include_router(agents_router, prefix=API)
app.include_router(chat_router, prefix=API)
app.include_router(mcp_router, prefix=API)
mount_mcp_endpoint(app)  # PyGent as an MCP server at /mcp
app.include_router(search_router, prefix=API)
app.include_router(memory_router, prefix=API)


class BusRequestBody(BaseModel):
    to: str = Field(description="Target address, `type/key`")
    message: dict[str, Any] = Field(description="A JSON-RPC 2.0 request (MCP method names)")
    timeout_s: float | None = Field(None, gt=0, le=600)


class PublishBody(BaseModel):
    topic: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict)


async def _call(ref: Any, timeout_s: float) -> Any:
    return await asyncio.wait_for(await_ref(ref), timeout_s)


# Helpers sit above the deployment: Serve pickles the class when it is decorated,
# so anything it uses must already exist at that point.
def _valid_address(text: str, field: str) -> str:
    try:
        return str(Address.parse(text))
    except InvalidAddress as exc:
        raise ApiError(422, ErrorCode.INVALID_ADDRESS, str(exc), field) from None


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        return f"{loc}: {first['msg']}" if loc else first["msg"]
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@serve.deployment(
    name="gateway",
    num_replicas=1,
    ray_actor_options={"num_cpus": 0},
    max_ongoing_requests=1000,
)
@serve.ingress(app)
class Gateway:
    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = Settings.model_validate(settings)
        app.state.settings = self.settings  # for the routes outside this class (models_api)
        self.namespace = self.settings.ray.namespace
        self._streams: dict[tuple[str, Any], asyncio.Task[None]] = {}
        self._agent_runs: dict[tuple[str, Any], Any] = {}  # WS chat_message -> (agent, run id)
        self.relay = TopicRelay(BUS, self.namespace, self.settings.bus.subscriber_queue_size)

    def _actor(self, address: str) -> Any:
        try:
            return ray.get_actor(address, namespace=self.namespace)
        except ValueError:
            return None

    async def _current_actor(self, address: str) -> Any:
        """The live actor at an address. Ray 2.60 can hand this process the handle of a dead
        incarnation after its successor took the name (a second kill would then hit nothing):
        a handle that answers ping with a death is dropped from Ray's cache and looked up again."""
        actor = self._actor(address)
        if actor is None:
            return None
        try:
            await _call(actor.ping.remote(), 2.0)
        except RayActorError:
            with contextlib.suppress(Exception):
                ray.kill(actor)  # forgets the dead handle cached under this name
            actor = self._actor(address)
        except Exception:
            pass  # alive but busy (or starting): it is the current one
        return actor

    async def _tree(self) -> ChildStatus | None:
        root = self._actor(ROOT)
        if root is None:
            return None
        try:
            return ChildStatus.model_validate(await _call(root.describe.remote(), 10.0))
        except Exception:
            return None

    # ---- health ------------------------------------------------------------------

    @app.get(f"{API}/health", response_model=HealthReport, tags=["health"])
    async def health(self) -> HealthReport:
        """Overall status and every component of the supervision tree (and Ollama, when
        configured: an unreachable Ollama is reported as down without failing the platform)."""
        report = health_from_tree(await self._tree(), detail="root supervisor unreachable")
        if self.settings.ollama.host:
            report.components["ollama"] = await self._ollama_health()
        return report

    async def _ollama_health(self) -> ComponentHealth:
        worker = self._actor(OLLAMA)
        status: dict[str, Any] = {}
        if worker is not None:
            with contextlib.suppress(Exception):
                status = await _call(worker.status.remote(), 10.0)
        reachable = bool(status.get("reachable"))
        return ComponentHealth(
            status="ok" if reachable else "down",
            state="reachable" if reachable else "unreachable",
            address=self.settings.ollama.host or "",
            detail=status.get("error") or (f"version {status.get('version')}" if reachable else "no answer"),
        )

    @app.get(f"{API}/health/ollama", response_model=ComponentHealth, tags=["health"])
    async def health_ollama(self) -> ComponentHealth:
        """Ollama: reachable or not (404 when no Ollama host is configured)."""
        if not self.settings.ollama.host:
            raise ApiError(404, ErrorCode.NOT_FOUND, "no Ollama is configured (PYGENT_OLLAMA_HOST)")
        return await self._ollama_health()

    @app.get(f"{API}/health/database", response_model=DatabaseHealth, tags=["health"])
    async def health_database(self) -> DatabaseHealth:
        """The store: PostgreSQL reachability, versions, pool and migrations."""
        store = self._actor(STORE)
        if store is None:
            return DatabaseHealth(status="down", detail="store actor is not running")
        try:
            return DatabaseHealth.model_validate(await _call(store.health.remote(), 10.0))
        except Exception as exc:
            return DatabaseHealth(status="down", detail=f"store unreachable: {type(exc).__name__}")

    # ---- system ------------------------------------------------------------------

    @app.get(f"{API}/system/tree", response_model=ChildStatus, tags=["system"])
    async def system_tree(self) -> ChildStatus:
        """The supervision tree: every supervisor and child with state and restarts."""
        tree = await self._tree()
        if tree is None:
            raise ApiError(503, ErrorCode.UNAVAILABLE, "the root supervisor is not reachable")
        return tree

    @app.get(f"{API}/system/events", tags=["system"])
    async def system_events(
        self,
        child: str | None = Query(None, description="only events of this address"),
        limit: int = Query(100, ge=1, le=1000),
    ) -> dict[str, Any]:
        """Recorded supervision events (restarts, escalations), newest last."""
        store = self._actor(STORE)
        if store is None:
            raise ApiError(503, ErrorCode.UNAVAILABLE, "the store is not running")
        events = await _call(store.supervision_events.remote(child, limit), 10.0)
        return {"events": events}

    @app.get(f"{API}/system/metrics", tags=["system"])
    async def system_metrics(self) -> dict[str, Any]:
        """CPU and memory of the machine and the Ray nodes."""
        monitor = self._actor(MONITOR)
        if monitor is None:
            raise ApiError(503, ErrorCode.UNAVAILABLE, "the monitor is not running")
        return dict(await _call(monitor.metrics.remote(), 10.0))

    @app.post(f"{API}/system/kill", response_model=KillResponse, tags=["system"])
    async def system_kill(self, body: KillRequest) -> KillResponse:
        """Chaos testing: kill the actor at an address; its supervisor restarts it."""
        address = _valid_address(body.address, "body.address")
        if address == ROOT:
            raise ApiError(
                400,
                ErrorCode.BAD_REQUEST,
                "the root supervisor cannot be killed from here; use `pygent down`",
                "body.address",
            )
        actor = await self._current_actor(address)
        if actor is None:
            raise ApiError(404, ErrorCode.UNKNOWN_ADDRESS, f"no actor at address '{address}'", "body.address")
        if body.how == "exit":
            actor.chaos_exit.remote(1)
        else:
            ray.kill(actor, no_restart=True)
        return KillResponse(address=address, killed=True, how=body.how)

    # ---- bus -----------------------------------------------------------------------

    @app.post(f"{API}/bus/request", tags=["bus"])
    async def bus_request(self, body: BusRequestBody) -> JSONResponse:
        """Send a JSON-RPC request to an address; the answer is the JSON-RPC response.

        Bus-level failures (unknown address, timeout, ...) are JSON-RPC errors in a 200
        answer, as JSON-RPC over HTTP does; only a malformed HTTP body is a 4xx."""
        bus = self._actor(BUS)
        if bus is None:
            raise ApiError(503, ErrorCode.UNAVAILABLE, "the bus is not running")
        timeout = (body.timeout_s or self.settings.bus.request_timeout_s) + 5.0
        response = await _call(bus.request.remote(body.to, body.message, body.timeout_s), timeout)
        return JSONResponse(response if response is not None else {"jsonrpc": "2.0", "result": None})

    @app.post(f"{API}/bus/publish", tags=["bus"])
    async def bus_publish(self, body: PublishBody) -> dict[str, Any]:
        """Publish an event on a topic (WebSocket subscribers of the topic receive it)."""
        bus = self._actor(BUS)
        if bus is None:
            raise ApiError(503, ErrorCode.UNAVAILABLE, "the bus is not running")
        seq = await _call(bus.publish.remote(body.topic, body.type, body.data, "api"), 10.0)
        return {"seq": seq}

    # ---- WebSocket ---------------------------------------------------------------

    @app.websocket("/ws")
    async def websocket(self, ws: WebSocket, encoding: str = "json") -> None:
        """ping -> pong; subscribe/unsubscribe to bus topics; request -> response.

        `?encoding=msgpack` switches the server's frames to binary msgpack; clients may
        send either JSON text or msgpack binary frames."""
        await ws.accept()
        binary = encoding == "msgpack"
        client_id, queue = self.relay.add_client()

        async def send(message: WsServerMessage) -> None:
            payload = message.model_dump(mode="json", exclude_none=True)
            if binary:
                await ws.send_bytes(msgpack.packb(payload))
            else:
                await ws.send_json(payload)

        async def forward_events() -> None:
            while True:
                event = await queue.get()
                await send(
                    WsServerMessage(
                        type=event.get("type", "event"),
                        topic=event.get("topic"),
                        data=event.get("data", {}),
                        ts=event.get("ts", time.time()),
                    )
                )

        forwarder = asyncio.create_task(forward_events())
        await send(
            WsServerMessage(
                type="connection_status",
                data={
                    "status": "connected",
                    "client_id": client_id,
                    "encoding": "msgpack" if binary else "json",
                },
            )
        )
        try:
            while True:
                raw = await ws.receive()
                if raw.get("type") == "websocket.disconnect":
                    break
                try:
                    if raw.get("bytes") is not None:
                        incoming = msgpack.unpackb(raw["bytes"])
                    else:
                        import json

                        incoming = json.loads(raw.get("text") or "")
                    message = WsClientMessage.model_validate(incoming)
                except (ValueError, ValidationError, msgpack.UnpackException) as exc:
                    await send(
                        WsServerMessage(
                            type="connection_error",
                            data={"code": ErrorCode.VALIDATION_ERROR.value, "message": _short(exc)},
                        )
                    )
                    continue
                await self._on_ws_message(message, client_id, send)
        except WebSocketDisconnect:
            pass
        finally:
            forwarder.cancel()
            self.relay.remove_client(client_id)
            for (owner, _), task in list(self._streams.items()):
                if owner == client_id:
                    task.cancel()  # nobody is listening: stop generating

    async def _on_ws_message(self, message: WsClientMessage, client_id: str, send: Any) -> None:
        if message.type == "ping":
            await send(WsServerMessage(type="pong", ref=message.ref))
        elif message.type == "subscribe":
            topics = self.relay.topics_of(client_id) | set(message.topics)
            await self.relay.set_topics(client_id, topics)
            await send(WsServerMessage(type="subscribed", data={"topics": sorted(topics)}, ref=message.ref))
        elif message.type == "unsubscribe":
            topics = self.relay.topics_of(client_id) - set(message.topics)
            await self.relay.set_topics(client_id, topics)
            await send(WsServerMessage(type="subscribed", data={"topics": sorted(topics)}, ref=message.ref))
        elif message.type == "request":
            try:
                request = BusRequest(to=message.to or "", message=message.message or {}, timeout_s=message.timeout_s)
            except ValidationError as exc:
                await send(
                    WsServerMessage(
                        type="connection_error",
                        data={"code": "validation_error", "message": _short(exc)},
                        ref=message.ref,
                    )
                )
                return
            bus = self._actor(BUS)
            if bus is None:
                await send(
                    WsServerMessage(
                        type="connection_error",
                        data={"code": "unavailable", "message": "the bus is not running"},
                        ref=message.ref,
                    )
                )
                return
            timeout = (request.timeout_s or self.settings.bus.request_timeout_s) + 5.0
            response = await _call(bus.request.remote(request.to, request.message, request.timeout_s), timeout)
            await send(WsServerMessage(type="response", data=response or {}, ref=message.ref))
        elif message.type in ("chat", "chat_message"):
            key = (client_id, message.ref)
            if key in self._streams:
                await send(
                    WsServerMessage(
                        type="chat_error",
                        ref=message.ref,
                        data={"code": "invalid_request", "message": "a generation with this ref is running"},
                    )
                )
                return
            if message.type == "chat_message":
                task = asyncio.create_task(ws_agent_chat(self.settings, message, send, self._agent_runs, key))
            else:
                task = asyncio.create_task(self._ws_chat(message, send))
            self._streams[key] = task
            task.add_done_callback(lambda _: self._streams.pop(key, None))
        elif message.type == "stop":
            running = self._streams.get((client_id, message.ref))
            agent_run = self._agent_runs.get((client_id, message.ref))
            if agent_run is not None:
                await ws_stop_agent_chat(agent_run)  # the agent stores the partial answer, then ends
            elif running is not None:
                running.cancel()
            await send(WsServerMessage(type="chat_stopped", ref=message.ref, data={"stopped": running is not None}))

    async def _ws_chat(self, message: WsClientMessage, send: Any) -> None:
        """Stream a model's answer to this socket as chat_response messages (the last has
        data.done true); cancelling the task (a `stop`, or the socket closing) stops the model."""
        address = "?"
        refs: Any = None
        try:
            request = ChatRequest.model_validate({**(message.message or {}), "stream": True})
            _, address = resolve(self.settings, request.model)
            actor = self._actor(address)
            if actor is None:
                raise ModelError(ModelErrorCode.BACKEND_UNAVAILABLE, f"{address} is restarting; retry", None, 503)
            refs = actor.chat_stream.remote(request.model_dump(mode="json"), "chat")
            async for ref in refs:
                chunk = await ref
                await send(WsServerMessage(type="chat_response", ref=message.ref, data=chunk))
            refs = None
        except asyncio.CancelledError:
            raise
        except ValidationError as exc:
            await send(
                WsServerMessage(
                    type="chat_error", ref=message.ref, data={"code": "invalid_request", "message": _short(exc)}
                )
            )
        except Exception as exc:
            error = as_model_error(exc, address)
            await send(WsServerMessage(type="chat_error", ref=message.ref, data=error.to_dict()))
            refs = None
        finally:
            if refs is not None:
                with contextlib.suppress(Exception):
                    ray.cancel(refs)

    # ---- the UI --------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    async def ui_index(self) -> Response:
        return ui_response(pick_ui_dir(self.settings), "", self.settings)

    @app.get("/{path:path}", include_in_schema=False)
    async def ui_files(self, path: str) -> Response:
        if path.startswith("api/"):
            raise ApiError(404, ErrorCode.NOT_FOUND, f"no such path: /{path}")
        # files of the built UI; client-side routes of the single-page UI get index.html
        return ui_response(pick_ui_dir(self.settings), path, self.settings)


def build_app(settings: Settings) -> Any:
    """The Serve application, bound to these settings."""
    return Gateway.bind(settings.model_dump(mode="json"))  # type: ignore[attr-defined]
