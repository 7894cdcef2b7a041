"""How long a parent waits for a child to start (supervisors/specs.start_budget_s)."""

from __future__ import annotations

from protocols.supervision import ChildKind, ChildSpec, SupervisorFlags
from supervisors.specs import start_budget_s


def _worker(address: str) -> ChildSpec:
    return ChildSpec(id=address, actor="x:Y")


def _supervisor(address: str, timeout_s: float, *children: ChildSpec) -> ChildSpec:
    return ChildSpec(
        id=address,
        actor="supervisors.supervisor:Supervisor",
        kind=ChildKind.SUPERVISOR,
        supervisor=SupervisorFlags(start_timeout_s=timeout_s),
        children=children,
    )


def test_a_worker_gets_the_parents_start_timeout() -> None:
    assert start_budget_s(_worker("a/1"), 60.0) == 60.0


def test_a_supervisor_gets_its_own_timeout_plus_each_childs() -> None:
    inner = _supervisor("supervisor/b", 5.0, _worker("b/1"), _worker("b/2"))
    outer = _supervisor("supervisor/a", 10.0, _worker("a/1"), inner)
    # inner: 5 (itself) + 5 + 5 (its workers, at its own timeout)
    assert start_budget_s(inner, 60.0) == 15.0
    # outer: 10 (itself) + 10 (its worker) + 15 (the inner subtree)
    assert start_budget_s(outer, 60.0) == 35.0


def test_a_supervisor_with_no_static_children_gets_its_own_timeout() -> None:
    assert start_budget_s(_supervisor("supervisor/pool", 7.0), 60.0) == 7.0
