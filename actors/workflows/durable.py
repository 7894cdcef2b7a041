"""The research-analysis engine on DBOS Transact: the durable StepRunner and the workflow.

DBOS records each step's output in its schema of the platform's PostgreSQL when the step
completes. After a crash, `DBOS.launch()` in the next process (workflows/main restarted by its
supervisor, or the platform started again) finds the workflows left PENDING and runs them
again: each step already recorded answers its recorded output without running, so the
workflow continues from the first step that did not complete. The workflow id is the
idempotency key of what the steps store (documents, the report).

The workflow function is registered at import (DBOS needs its registry before launch); the
engine it runs is the one the host installs (`install`), since ports are made per process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from dbos import DBOS
from dbos._error import DBOSWorkflowCancelledError
from pydantic import BaseModel

from protocols.workflows import ResearchRequest

from .breakpoints import BEFORE, INSIDE, Breakpoints
from .ports import Journal
from .research import ResearchAnalysis

M = TypeVar("M", bound=BaseModel)

WORKFLOW_NAME = "research_analysis"


class StepEvents(Protocol):
    """Told when a step starts and ends (the host publishes `workflow_step`)."""

    def step(self, workflow_id: str, name: str, status: str, detail: str | None = None) -> None: ...

    def finished(self, workflow_id: str, status: str, error: str | None = None) -> None: ...


@dataclass
class Host:
    engine_for: Callable[[ResearchRequest], ResearchAnalysis]
    journal_for: Callable[[str, str | None], Journal]  # (workflow id, owner id)
    events: StepEvents
    breakpoints: Breakpoints = field(default_factory=lambda: Breakpoints(None))


_host: Host | None = None


def install(host: Host | None) -> None:
    """The engine and ports the workflows of this process run with (None: none)."""
    global _host
    _host = host


def host() -> Host:
    if _host is None:
        raise RuntimeError("no research-analysis host is installed in this process")
    return _host


class DbosSteps:
    """A StepRunner whose steps are DBOS steps: the output (as JSON) is recorded when the step
    completes; a re-run of the workflow answers it from the record. No automatic retries: a
    failed step fails the workflow, which `retry` runs again from that step."""

    def __init__(
        self, workflow_id: str, events: StepEvents | None = None, breakpoints: Breakpoints | None = None
    ) -> None:
        self.workflow_id = workflow_id
        self.events = events
        self.breakpoints = breakpoints or Breakpoints(None)

    async def run(self, name: str, fn: Callable[[], Awaitable[M]], out: type[M]) -> M:
        # The breakpoints are inside the DBOS step: its id is drawn when it is called, so a
        # hold never changes the order of the ids of steps started together. A hold `before`
        # comes before the step's work (nothing of it done or recorded: a kill there is a kill
        # between steps); one `inside` after its work, before its output is recorded.
        async def step() -> dict[str, Any]:
            await self.breakpoints.wait(self.workflow_id, BEFORE, name)
            if self.events is not None:
                self.events.step(self.workflow_id, name, "started")
            try:
                result = await fn()
            except Exception as exc:
                if self.events is not None:
                    self.events.step(self.workflow_id, name, "failed", f"{type(exc).__name__}: {exc}")
                raise
            await self.breakpoints.wait(self.workflow_id, INSIDE, name)
            if self.events is not None:
                self.events.step(self.workflow_id, name, "completed")
            return result.model_dump(mode="json")

        data = await DBOS.run_step_async({"name": name}, step)
        return out.model_validate(data)


@DBOS.workflow(name=WORKFLOW_NAME)
async def research_analysis(request: dict[str, Any], owner_id: str | None = None) -> dict[str, Any]:
    """The research-analysis workflow: the engine's steps, each a DBOS step. `owner_id` (who
    started it) goes with its events, so /ws delivers them to that user (and admins)."""
    workflow_id = DBOS.workflow_id
    assert workflow_id is not None
    the_host = host()
    journal = the_host.journal_for(workflow_id, owner_id)
    research = ResearchRequest.model_validate(request)
    try:
        stored = await the_host.engine_for(research).run(
            workflow_id, research, DbosSteps(workflow_id, the_host.events, the_host.breakpoints), journal
        )
    except DBOSWorkflowCancelledError:
        # stopped: DBOS refused to start the next step
        await journal.log(None, "workflow cancelled at a step boundary", "warning")
        the_host.events.finished(workflow_id, "cancelled")
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
        await journal.log(None, f"workflow failed: {error}", "error")
        the_host.events.finished(workflow_id, "failed", error)
        raise
    await journal.log(None, f"workflow completed: report {stored.report_id}")
    the_host.events.finished(workflow_id, "completed")
    return stored.model_dump(mode="json")
