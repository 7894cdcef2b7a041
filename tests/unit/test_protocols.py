"""The wire models (protocols/) and health computed from the supervision tree. No Ray, no I/O."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import ValidationError

from protocols.addresses import Address, InvalidAddress, parse_address
from protocols.events import WILDCARD, Event, topic_matches
from protocols.jsonrpc import (
    ErrorCode,
    JSONRPCNotification,
    JSONRPCRequest,
    RpcError,
    is_error,
    make_error,
    make_request,
    make_result,
    parse_message,
    request_id_of,
)
from protocols.supervision import (
    BackoffPolicy,
    ChildKind,
    ChildSpec,
    ChildState,
    ChildStatus,
    ExitKind,
    ExitReason,
    RestartType,
    Strategy,
    SupervisorFlags,
)
from supervisors.health import CRITICAL, health_from_tree

# ---- addresses ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "type_", "key"),
    [
        ("agent/researcher-1", "agent", "researcher-1"),
        ("mcp/time", "mcp", "time"),
        ("index/shard_0", "index", "shard_0"),
        ("population/p.1:a@b", "population", "p.1:a@b"),
        ("store/main", "store", "main"),
        ("model-worker/0", "model-worker", "0"),
        ("agent/Upper", "agent", "Upper"),  # keys may be mixed case
    ],
)
def test_address_parse_valid(text: str, type_: str, key: str) -> None:
    address = Address.parse(text)
    assert (address.type, address.key) == (type_, key)
    assert str(address) == text
    assert parse_address(text) == text


@pytest.mark.parametrize(
    "text",
    ["", "agent", "agent-researcher", "a/b/c", "agent//x", "agent/x/"],
)
def test_address_parse_rejects_anything_but_one_slash(text: str) -> None:
    with pytest.raises(InvalidAddress, match="not of the form 'type/key'") as info:
        Address.parse(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["Agent/x", "AGENT/x", "agent/", "/x", "/", "1agent/x", "agent/-x", "agent/a b", "ag ent/x"],
)
def test_address_parse_rejects_bad_type_or_key(text: str) -> None:
    with pytest.raises(InvalidAddress):
        Address.parse(text)


def test_invalid_address_is_a_value_error() -> None:
    assert issubclass(InvalidAddress, ValueError)


def test_address_parse_rejects_non_strings() -> None:
    with pytest.raises(InvalidAddress):
        Address.parse(None)  # type: ignore[arg-type]


def test_address_is_frozen_and_hashable() -> None:
    address = Address.parse("agent/a")
    with pytest.raises(ValidationError):
        address.key = "b"  # type: ignore[misc]
    assert {address, Address.parse("agent/a")} == {address}


_PYDANTIC_URL = "errors.pydantic.dev"


@pytest.mark.parametrize("text", ["Agent/x", "1agent/x"])
def test_address_parse_explains_a_bad_type(text: str) -> None:
    with pytest.raises(InvalidAddress) as info:
        Address.parse(text)
    message = str(info.value)
    assert _PYDANTIC_URL not in message
    assert "address type" in message
    assert "lower-case" in message


@pytest.mark.parametrize("text", ["agent/", "agent/-x", "agent/a b"])
def test_address_parse_explains_a_bad_key(text: str) -> None:
    with pytest.raises(InvalidAddress) as info:
        Address.parse(text)
    message = str(info.value)
    assert _PYDANTIC_URL not in message
    assert "address key" in message


# ---- JSON-RPC ---------------------------------------------------------------------


def test_parse_valid_request() -> None:
    request = parse_message(make_request("tools/call", {"name": "echo"}, request_id=7))
    assert isinstance(request, JSONRPCRequest)
    assert request.id == 7
    assert request.method == "tools/call"
    assert request.params == {"name": "echo"}


def test_parse_request_with_string_id_and_no_params() -> None:
    request = parse_message({"jsonrpc": "2.0", "id": "abc", "method": "ping"})
    assert isinstance(request, JSONRPCRequest)
    assert request.id == "abc"
    assert request.params is None


def test_parse_notification_without_id() -> None:
    note = parse_message({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"p": 1}})
    assert isinstance(note, JSONRPCNotification)
    assert not hasattr(note, "id") or getattr(note, "id", None) is None
    assert note.method == "notifications/progress"
    assert note.params == {"p": 1}


@pytest.mark.parametrize(
    ("message", "needle"),
    [
        ([], "must be an object"),
        ("ping", "must be an object"),
        (None, "must be an object"),
        (42, "must be an object"),
        ({"id": 1, "method": "ping"}, "'jsonrpc'"),
        ({"jsonrpc": "1.0", "id": 1, "method": "ping"}, "'jsonrpc'"),
        ({"jsonrpc": 2.0, "id": 1, "method": "ping"}, "'jsonrpc'"),
        ({"jsonrpc": "2.0", "id": 1}, "'method'"),
        ({"jsonrpc": "2.0", "id": 1, "method": ""}, "'method'"),
        ({"jsonrpc": "2.0", "id": 1, "method": 5}, "'method'"),
        ({"jsonrpc": "2.0", "id": 1, "method": "x", "params": [1, 2]}, "'params'"),
        ({"jsonrpc": "2.0", "id": 1, "method": "x", "params": "p"}, "'params'"),
        ({"jsonrpc": "2.0", "id": None, "method": "ping"}, "'id"),
        ({"jsonrpc": "2.0", "id": [1], "method": "ping"}, "'id"),
        ({"jsonrpc": "2.0", "id": 1.5, "method": "ping"}, "'id"),
    ],
)
def test_parse_message_rejects_bad_messages_naming_the_field(message: object, needle: str) -> None:
    with pytest.raises(RpcError) as info:
        parse_message(message)
    err = info.value
    assert err.code == ErrorCode.INVALID_REQUEST
    assert needle in err.message
    assert err.to_error_data() == {"code": -32600, "message": err.message}


def test_error_codes_are_stable() -> None:
    assert ErrorCode.PARSE_ERROR == -32700
    assert ErrorCode.INVALID_REQUEST == -32600
    assert ErrorCode.METHOD_NOT_FOUND == -32601
    assert ErrorCode.INVALID_PARAMS == -32602
    assert ErrorCode.INTERNAL_ERROR == -32603
    assert ErrorCode.TOOL_NOT_FOUND == -32006
    assert len({int(c) for c in ErrorCode}) == len(ErrorCode)


def test_make_request() -> None:
    assert make_request("ping") == {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    assert make_request("tools/list", {}, request_id="r-1") == {
        "jsonrpc": "2.0",
        "id": "r-1",
        "method": "tools/list",
        "params": {},
    }


def test_make_result_and_error() -> None:
    result = make_result(3, {"ok": True})
    assert result == {"jsonrpc": "2.0", "id": 3, "result": {"ok": True}}
    assert not is_error(result)
    error = make_error("x", ErrorCode.METHOD_NOT_FOUND, "no such method")
    assert error == {"jsonrpc": "2.0", "id": "x", "error": {"code": -32601, "message": "no such method"}}
    assert type(error["error"]["code"]) is int  # plain int on the wire, not the enum
    assert is_error(error)
    with_data = make_error(None, -32000, "closed", data={"why": "eof"})
    assert with_data["error"]["data"] == {"why": "eof"}
    assert with_data["id"] is None
    json.dumps(with_data)


def test_rpc_error_carries_code_message_and_data() -> None:
    err = RpcError(ErrorCode.TOOL_NOT_FOUND, "no tool 'x'", {"tool": "x"})
    assert str(err) == "no tool 'x'"
    assert err.code == -32006 and type(err.code) is int
    assert err.to_error_data() == {"code": -32006, "message": "no tool 'x'", "data": {"tool": "x"}}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"id": 5}, 5),
        ({"id": "abc"}, "abc"),
        ({"id": 0}, 0),
        ({"id": True}, None),  # a bool is not a usable id
        ({"id": None}, None),
        ({"id": 1.5}, None),
        ({"id": [1]}, None),
        ({}, None),
        ([{"id": 1}], None),
        ("id", None),
        (None, None),
    ],
)
def test_request_id_of(message: object, expected: object) -> None:
    assert request_id_of(message) == expected


# ---- events ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "topic", "matches"),
    [
        (WILDCARD, "system_metrics", True),
        ("*", "agents.a1.chat", True),
        ("supervision", "supervision", True),
        ("supervision", "supervision2", False),
        ("supervision", "super", False),
        ("agents.*", "agents.a1", True),
        ("agents.*", "agents.a1.chat", True),
        ("agents.*", "agents", False),
        ("agents.*", "agentsx.a1", False),
        ("agents.*", "other.a1", False),
        ("agents", "agents.a1", False),
        ("agents*", "agents.a1", False),  # only `.*` at the end is a wildcard
    ],
)
def test_topic_matches(pattern: str, topic: str, matches: bool) -> None:
    assert topic_matches(pattern, topic) is matches


def test_event_defaults() -> None:
    before = time.time()
    first = Event(topic="supervision", type="supervision_event")
    second = Event(topic="supervision", type="supervision_event")
    assert first.data == {}
    assert first.source is None
    assert first.seq is None
    assert before <= first.ts <= time.time()
    first.data["x"] = 1
    assert second.data == {}  # no shared mutable default
    assert Event.model_validate(first.model_dump(mode="json")) == first


# ---- supervision models -----------------------------------------------------------


def _nested_spec() -> ChildSpec:
    leaf = ChildSpec(
        id="agent/one",
        actor="actors.agent:Agent",
        args=("x", 2),
        kwargs={"role": "research", "depth": 3},
        restart=RestartType.TRANSIENT,
        ray_options={"num_cpus": 0},
    )
    template = ChildSpec(id="agent/template", actor="actors.agent:Agent", restart=RestartType.TEMPORARY)
    return ChildSpec(
        id="supervisor/agents",
        actor="supervisors.supervisor:Supervisor",
        kind=ChildKind.SUPERVISOR,
        shutdown_timeout_s=12.5,
        supervisor=SupervisorFlags(
            strategy=Strategy.REST_FOR_ONE,
            intensity=7,
            period_s=30.0,
            backoff=BackoffPolicy(initial_s=0.5, base_s=0.25, max_s=8.0, multiplier=3.0, jitter=0.1),
            child_template=template,
        ),
        children=(leaf, ChildSpec(id="mcp/time", actor="actors.mcp:Handle")),
    )


def test_child_spec_is_frozen() -> None:
    spec = _nested_spec()
    with pytest.raises(ValidationError):
        spec.id = "supervisor/other"  # type: ignore[misc]
    assert spec.supervisor is not None
    with pytest.raises(ValidationError):
        spec.supervisor.intensity = 1  # type: ignore[misc]


def test_child_spec_defaults() -> None:
    spec = ChildSpec(id="agent/a", actor="m:C")
    assert spec.restart is RestartType.PERMANENT
    assert spec.kind is ChildKind.WORKER
    assert spec.args == () and spec.kwargs == {} and spec.children == ()
    assert spec.supervisor is None
    assert spec.shutdown_timeout_s == 5.0


def test_child_spec_round_trips_through_json() -> None:
    spec = _nested_spec()
    dumped = spec.model_dump(mode="json")
    text = json.dumps(dumped)  # it really is JSON
    restored = ChildSpec.model_validate(json.loads(text))
    assert restored == spec
    assert restored.children[0].args == ("x", 2)
    assert restored.children[0].restart is RestartType.TRANSIENT
    assert restored.supervisor is not None
    assert restored.supervisor.strategy is Strategy.REST_FOR_ONE
    assert restored.supervisor.backoff == spec.supervisor.backoff  # type: ignore[union-attr]
    assert restored.supervisor.child_template is not None
    assert restored.supervisor.child_template.restart is RestartType.TEMPORARY
    assert dumped["kind"] == "supervisor"
    assert dumped["supervisor"]["strategy"] == "rest_for_one"


def test_supervisor_flags_defaults_and_backoff_none_round_trip() -> None:
    flags = SupervisorFlags()
    assert flags.strategy is Strategy.ONE_FOR_ONE
    assert (flags.intensity, flags.period_s) == (3, 5.0)
    assert flags.backoff == BackoffPolicy()
    no_backoff = SupervisorFlags(backoff=None)
    assert SupervisorFlags.model_validate(no_backoff.model_dump(mode="json")).backoff is None


@pytest.mark.parametrize(
    ("model", "kwargs", "field"),
    [
        (SupervisorFlags, {"intensity": -1}, "intensity"),
        (SupervisorFlags, {"period_s": 0}, "period_s"),
        (SupervisorFlags, {"strategy": "one_for_some"}, "strategy"),
        (BackoffPolicy, {"jitter": 1.5}, "jitter"),
        (BackoffPolicy, {"multiplier": 0.5}, "multiplier"),
        (BackoffPolicy, {"initial_s": -1}, "initial_s"),
        (ChildSpec, {"id": "a/b", "actor": "m:C", "restart": "sometimes"}, "restart"),
        (ChildSpec, {"id": "a/b", "actor": "m:C", "shutdown_timeout_s": 0}, "shutdown_timeout_s"),
    ],
)
def test_supervision_models_reject_bad_values(model: type, kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        model(**kwargs)
    assert info.value.errors()[0]["loc"] == (field,)


@pytest.mark.parametrize(
    ("kind", "abnormal"),
    [
        (ExitKind.NORMAL, False),
        (ExitKind.SHUTDOWN, False),
        (ExitKind.CRASH, True),
        (ExitKind.KILLED, True),
        (ExitKind.HANG, True),
        (ExitKind.START_FAILED, True),
    ],
)
def test_exit_kind_abnormal(kind: ExitKind, abnormal: bool) -> None:
    assert kind.abnormal is abnormal


def _node(address: str, state: ChildState = ChildState.RUNNING, *children: ChildStatus, **kw) -> ChildStatus:
    kind = ChildKind.SUPERVISOR if children else ChildKind.WORKER
    return ChildStatus(address=address, kind=kind, state=state, children=list(children), **kw)


def _tree(**states: ChildState) -> ChildStatus:
    """root → bus/main, store/main, supervisor/agents → agent/a1, agent/a2."""

    def st(address: str) -> ChildState:
        return states.get(address.replace("/", "_"), ChildState.RUNNING)

    return _node(
        "supervisor/root",
        st("supervisor/root"),
        _node("bus/main", st("bus/main")),
        _node("store/main", st("store/main")),
        _node(
            "supervisor/agents",
            st("supervisor/agents"),
            _node("agent/a1", st("agent/a1")),
            _node("agent/a2", st("agent/a2")),
        ),
    )


def test_child_status_walk_is_depth_first() -> None:
    tree = _tree()
    assert [n.address for n in tree.walk()] == [
        "supervisor/root",
        "bus/main",
        "store/main",
        "supervisor/agents",
        "agent/a1",
        "agent/a2",
    ]


def test_child_status_find() -> None:
    tree = _tree()
    found = tree.find("agent/a2")
    assert found is not None and found.address == "agent/a2"
    assert tree.find("supervisor/root") is tree
    assert tree.find("agent/nope") is None


def test_child_status_round_trips() -> None:
    tree = _tree()
    tree.children[0].last_exit = ExitReason(kind=ExitKind.CRASH, detail="boom")
    assert ChildStatus.model_validate(json.loads(json.dumps(tree.model_dump(mode="json")))) == tree


# ---- health from the tree --------------------------------------------------------------


def test_health_of_no_tree_is_down() -> None:
    report = health_from_tree(None, detail="root not found")
    assert report.status == "down"
    assert report.components["supervisor/root"].status == "down"
    assert report.components["supervisor/root"].detail == "root not found"


def test_health_all_running_is_ok_with_every_address() -> None:
    tree = _tree()
    report = health_from_tree(tree)
    assert report.status == "ok"
    assert set(report.components) == {n.address for n in tree.walk()}
    assert all(c.status == "ok" and c.state == "running" for c in report.components.values())
    assert report.checked_at == pytest.approx(time.time(), abs=5)


def test_health_restarting_non_critical_child_is_degraded() -> None:
    tree = _tree(agent_a1=ChildState.RESTARTING)
    tree.find("agent/a1").restarts = 2  # type: ignore[union-attr]
    tree.find("agent/a1").last_exit = ExitReason(kind=ExitKind.CRASH, detail="boom")  # type: ignore[union-attr]
    report = health_from_tree(tree)
    assert report.status == "degraded"
    a1 = report.components["agent/a1"]
    assert (a1.status, a1.state, a1.restarts, a1.detail) == ("degraded", "restarting", 2, "boom")
    assert report.components["agent/a2"].status == "ok"


def test_health_failed_non_critical_child_is_degraded() -> None:
    report = health_from_tree(_tree(agent_a2=ChildState.FAILED))
    assert report.status == "degraded"
    assert report.components["agent/a2"].status == "down"


def test_health_failed_store_is_down() -> None:
    report = health_from_tree(_tree(store_main=ChildState.FAILED))
    assert report.status == "down"
    assert report.components["store/main"].status == "down"


def test_health_root_not_running_is_down() -> None:
    assert health_from_tree(_tree(supervisor_root=ChildState.RESTARTING)).status == "down"


def test_health_missing_critical_part_is_down() -> None:
    tree = _node("supervisor/root", ChildState.RUNNING, _node("bus/main"))
    assert "store/main" in CRITICAL
    assert health_from_tree(tree).status == "down"


def test_health_reports_last_exit_only_when_not_running() -> None:
    tree = _tree()
    tree.find("agent/a1").last_exit = ExitReason(kind=ExitKind.CRASH, detail="old")  # type: ignore[union-attr]
    assert health_from_tree(tree).components["agent/a1"].detail is None


def test_health_stopped_store_is_not_ok() -> None:
    report = health_from_tree(_tree(store_main=ChildState.STOPPED))
    assert report.status != "ok"


def test_error_codes_match_the_mcp_sdk() -> None:
    import mcp_types

    from protocols.jsonrpc import ErrorCode as Codes

    for name in (
        "PARSE_ERROR",
        "INVALID_REQUEST",
        "METHOD_NOT_FOUND",
        "INVALID_PARAMS",
        "INTERNAL_ERROR",
        "CONNECTION_CLOSED",
        "REQUEST_TIMEOUT",
    ):
        assert Codes[name] == getattr(mcp_types, name)
