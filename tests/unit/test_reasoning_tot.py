"""The tree-of-thoughts engine without Ray or a model: generation, evaluation, selection,
dedupe, caching, pruning, the step budget, the node sink, resume and cancellation."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from actors.reasoning.game24 import Game24Task
from actors.reasoning.open_qa import OpenQuestionTask
from actors.reasoning.ports import MemoryNodeSink
from actors.reasoning.tot import TreeOfThoughts
from protocols.reasoning import (
    EvaluateMethod,
    GenerateMethod,
    NodeStatus,
    SearchAlgorithm,
    SelectMethod,
    SessionStatus,
    ThoughtNode,
    TreeOfThoughtsConfig,
)
from tests.fakes.reasoning_models import ScriptedGame24Model, ScriptedModel

PROPOSE = "List a few different possible next reasoning steps"
VALUE = "Will this reasoning lead"


def _depth(prompt: str) -> int:
    so_far = prompt.split("Reasoning so far:\n", 1)[1].split("\nList", 1)[0]
    return 0 if so_far == "(nothing yet)" else len(so_far.splitlines())


def _propose(prompt: str) -> str:
    d = _depth(prompt)
    if d >= 2:
        return "Answer: forty-two\nbad guess"
    return f"good idea {d}a\nok idea {d}b\nbad idea {d}c\ngood idea {d}d"


def _value(prompt: str) -> str:
    last = prompt.split(VALUE, 1)[0].strip().splitlines()[-1]
    return "sure" if last.startswith(("good", "Answer")) else "likely" if last.startswith("ok") else "impossible"


def qa_model(delay_s: float = 0.0) -> ScriptedModel:
    return ScriptedModel(
        [(PROPOSE, _propose), (VALUE, _value), ("Write the final answer", lambda p: "Forty-two.")], delay_s=delay_s
    )


def qa_config(**kw: object) -> TreeOfThoughtsConfig:
    base: dict[str, object] = {"beam_width": 2, "max_depth": 3, "n_evaluate_sample": 2, "temperature": 0.0}
    base.update(kw)
    return TreeOfThoughtsConfig.model_validate(base)


def g24_config(**kw: object) -> TreeOfThoughtsConfig:
    base: dict[str, object] = {"beam_width": 5, "max_depth": 3, "n_evaluate_sample": 1, "max_proposals": 64}
    base.update(kw)
    return TreeOfThoughtsConfig.model_validate(base)


@pytest.mark.asyncio
async def test_propose_makes_one_call_per_expansion_and_greedy_keeps_the_best_b() -> None:
    model, sink = qa_model(), MemoryNodeSink()
    result = await TreeOfThoughts(model, OpenQuestionTask(), qa_config(), sink=sink).run("What is six times seven?")
    assert result.status is SessionStatus.COMPLETED
    assert result.answer == "forty-two"
    depth1 = [n for n in result.nodes if n.depth == 1]
    assert len(depth1) == 4
    selected = {n.thought for n in depth1 if n.status is NodeStatus.SELECTED}
    assert selected == {"good idea 0a", "good idea 0d"}  # greedy, b=2
    assert all(n.note == "not selected" for n in depth1 if n.status is NodeStatus.PRUNED)
    # one propose call for the root, then one for each of the b selected states at depths 1 and 2
    assert len(model.calls_with(PROPOSE)) == 1 + 2 + 2
    assert result.confidence == 1.0  # the answer's state was valued 'sure'
    assert result.metrics.nodes_pruned > 0 and result.metrics.nodes_evaluated > 0


@pytest.mark.asyncio
async def test_sample_draws_n_iid_thoughts_in_one_call() -> None:
    model = ScriptedGame24Model(seed=3)
    config = g24_config(generate=GenerateMethod.SAMPLE, n_generate_sample=4, max_depth=1)
    result = await TreeOfThoughts(model, Game24Task(), config).run("4 6 8 9")
    assert model.count("sample") == 1
    assert model.calls[0][2] == 4  # n=4 in one call
    depth1 = [n for n in result.nodes if n.depth == 1]
    assert 1 <= len(depth1) <= 4  # identical samples collapse into one node


@pytest.mark.asyncio
async def test_value_is_cached_per_state_key() -> None:
    class SharedKeys(OpenQuestionTask):
        def value_key(self, state: str) -> str:  # every "good ..." state shares one value
            return state.splitlines()[-1].split()[0]

    model = qa_model()
    await TreeOfThoughts(model, SharedKeys(), qa_config(max_depth=1)).run("q")
    # four children, three distinct keys (good, ok, bad): three value calls, not four
    assert len(model.calls_with(VALUE)) == 3


@pytest.mark.asyncio
async def test_no_state_is_valued_twice_and_duplicate_states_are_pruned() -> None:
    model, sink = ScriptedGame24Model(seed=5), MemoryNodeSink()
    result = await TreeOfThoughts(model, Game24Task(), g24_config(beam_width=8), sink=sink).run("1 2 3 4")
    valued = [p.splitlines()[-1] for kind, p, _ in model.calls if kind == "value"]
    assert len(valued) == len(set(valued))
    duplicates = [n for n in result.nodes if n.note == "duplicate"]
    assert duplicates, "1 2 3 4 reaches the same numbers by different steps"
    assert all(n.value is None for n in duplicates)  # pruned before any evaluation
    live = [n.state for n in result.nodes if n.status is not NodeStatus.PRUNED or n.note != "duplicate"]
    assert len(live) == len(set(live))


@pytest.mark.asyncio
async def test_vote_scores_a_whole_step_in_one_call() -> None:
    model = ScriptedGame24Model(seed=1)
    config = g24_config(evaluate=EvaluateMethod.VOTE, n_evaluate_sample=3)
    result = await TreeOfThoughts(model, Game24Task(), config).run("4 6 8 9")
    assert result.solved
    assert model.count("vote") <= 2  # depths 1 and 2 (depth 3 is judged by the checker)
    assert all(n == 3 for kind, _, n in model.calls if kind == "vote")
    depth1 = [n for n in result.nodes if n.depth == 1 and n.value is not None]
    assert sorted({n.value for n in depth1}) == [0.0, 20.0]  # all three votes on one choice


def test_sample_selection_is_proportional_to_value() -> None:
    search = TreeOfThoughts(ScriptedModel([]), OpenQuestionTask(), qa_config(select=SelectMethod.SAMPLE, seed=7))
    high, low, zero = (ThoughtNode(id=i, value=v) for i, v in (("high", 20.0), ("low", 1.0), ("zero", 0.0)))
    picks = Counter(search._weighted_sample([high, low, zero], 1)[0].id for _ in range(400))
    assert picks["zero"] == 0
    assert picks["high"] > 340  # about 20/21 of 400
    assert picks["low"] > 0
    two = search._weighted_sample([high, low, zero], 2)
    assert len({n.id for n in two}) == 2  # without replacement


@pytest.mark.asyncio
async def test_sample_selection_runs_a_search() -> None:
    model = ScriptedGame24Model(seed=2)
    result = await TreeOfThoughts(model, Game24Task(), g24_config(select=SelectMethod.SAMPLE, seed=11)).run("3 3 8 8")
    assert result.solved  # a 'sure' state outweighs the rest 20000 to 1


@pytest.mark.asyncio
async def test_states_below_the_threshold_are_pruned_and_never_expanded() -> None:
    model = qa_model()
    config = qa_config(search=SearchAlgorithm.DFS, prune_threshold=0.5)
    result = await TreeOfThoughts(model, OpenQuestionTask(), config).run("q")
    bad = [n for n in result.nodes if n.thought.startswith("bad")]
    assert bad and all(n.status is NodeStatus.PRUNED and n.note == "below threshold" for n in bad)
    assert not any("bad idea" in p.split("Reasoning so far:")[1] for p in model.calls_with(PROPOSE))
    assert result.answer == "forty-two"
    assert result.stop_reason == "answer found"


@pytest.mark.asyncio
async def test_dfs_backtracks_and_stops_at_the_step_budget() -> None:
    # every state 'likely': no guidance, so DFS must walk and backtrack; the budget stops it
    model = ScriptedGame24Model(seed=4, value_label="likely")
    config = g24_config(search=SearchAlgorithm.DFS, max_steps=3)
    result = await TreeOfThoughts(model, Game24Task(), config).run("1 1 1 1")  # unsolvable
    assert result.stop_reason == "step budget"
    assert model.count("propose") == 3
    assert result.solved is False and result.confidence == 0.0
    # with room, DFS exhausts a branch and backtracks to its siblings
    model = ScriptedGame24Model(seed=4, value_label="likely")
    result = await TreeOfThoughts(model, Game24Task(), g24_config(search=SearchAlgorithm.DFS, max_steps=40)).run(
        "1 1 1 1"
    )
    expanded_depth1 = [n for n in result.nodes if n.depth == 1 and n.expanded]
    assert len(expanded_depth1) >= 2


@pytest.mark.asyncio
async def test_every_node_reaches_the_sink_as_it_is_made() -> None:
    sink = MemoryNodeSink()
    result = await TreeOfThoughts(ScriptedGame24Model(), Game24Task(), g24_config(), sink=sink).run("4 6 8 9")
    first_seen: dict[str, ThoughtNode] = {}
    for event in sink.events:
        first_seen.setdefault(event.id, event)
        if event.parent_id is not None:
            assert event.parent_id in first_seen  # parents before children
    assert all(n.status is NodeStatus.CREATED and n.value is None for n in first_seen.values() if n.parent_id)
    assert set(first_seen) == {n.id for n in result.nodes}
    for node in result.nodes:
        assert sink.nodes[node.id] == node  # the sink holds the final version
    assert any(e.status is NodeStatus.EVALUATED and e.value is not None for e in sink.events)


@pytest.mark.asyncio
async def test_expansions_and_evaluations_of_one_step_run_concurrently() -> None:
    model = ScriptedGame24Model(delay_s=0.01)
    await TreeOfThoughts(model, Game24Task(), g24_config()).run("4 6 8 9")
    assert model.max_in_flight >= 5  # b expansions, then every child's value, at once


class CrashingSink(MemoryNodeSink):
    """Stores `limit` puts, then fails like a killed process."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    async def put(self, node: ThoughtNode) -> None:
        if len(self.events) >= self.limit:
            raise RuntimeError("killed")
        await super().put(node)


@pytest.mark.asyncio
@pytest.mark.parametrize("search", [SearchAlgorithm.BFS, SearchAlgorithm.DFS])
@pytest.mark.parametrize("crash_after", [3, 40, 150])
async def test_resume_from_stored_nodes_makes_no_stored_node_again(search: SearchAlgorithm, crash_after: int) -> None:
    config = g24_config(search=search, prune_threshold=0.5 if search is SearchAlgorithm.DFS else 0.0)
    crashed = CrashingSink(crash_after)
    first = await TreeOfThoughts(ScriptedGame24Model(seed=9), Game24Task(), config, sink=crashed).run("4 9 10 13")
    assert first.status is SessionStatus.FAILED
    stored = list(crashed.nodes.values())

    model, sink = ScriptedGame24Model(seed=9), MemoryNodeSink()
    resumed = await TreeOfThoughts(model, Game24Task(), config, sink=sink).run("4 9 10 13", stored)
    assert resumed.status is SessionStatus.COMPLETED and resumed.solved
    stored_ids = {n.id for n in stored}
    stored_keys = {(n.parent_id, n.thought) for n in stored}
    new = [e for e in sink.events if e.id not in stored_ids]
    assert all((e.parent_id, e.thought) not in stored_keys for e in new)
    assert resumed.metrics.nodes_generated == len({e.id for e in new})
    # a stored expansion is not asked for again, a stored value is not asked for again
    expanded = {n.state for n in stored if n.expanded}
    proposed = {p.splitlines()[-2].removeprefix("Input: ") for kind, p, _ in model.calls if kind == "propose"}
    assert not expanded & proposed
    valued = {n.state for n in stored if n.value is not None}
    asked = {p.splitlines()[-1].removeprefix("Input: ") for kind, p, _ in model.calls if kind == "value"}
    assert not valued & asked


@pytest.mark.asyncio
@pytest.mark.parametrize("search", [SearchAlgorithm.BFS, SearchAlgorithm.DFS])
async def test_resume_after_a_crash_at_any_put_finishes_the_same_way(search: SearchAlgorithm) -> None:
    config = g24_config(search=search)
    whole = MemoryNodeSink()
    await TreeOfThoughts(ScriptedGame24Model(seed=9), Game24Task(), config, sink=whole).run("4 6 8 9")
    for limit in range(1, len(whole.events), 5):
        crashed = CrashingSink(limit)
        await TreeOfThoughts(ScriptedGame24Model(seed=9), Game24Task(), config, sink=crashed).run("4 6 8 9")
        stored = list(crashed.nodes.values())
        sink = MemoryNodeSink()
        resumed = await TreeOfThoughts(ScriptedGame24Model(seed=9), Game24Task(), config, sink=sink).run(
            "4 6 8 9", stored
        )
        assert resumed.solved, limit
        stored_keys = {(n.parent_id, n.thought) for n in stored}
        assert not any((e.parent_id, e.thought) in stored_keys for e in sink.events if e.id not in crashed.nodes)
        for depth in (1, 2):  # never wider than the beam, however the crash split a selection
            selected = [n for n in resumed.nodes if n.depth == depth and n.status is NodeStatus.SELECTED]
            assert len(selected) <= config.beam_width, (limit, depth)


@pytest.mark.asyncio
async def test_cancel_ends_the_search_as_stopped_with_its_partial_tree() -> None:
    model, sink = ScriptedGame24Model(delay_s=0.02), MemoryNodeSink()
    search = TreeOfThoughts(model, Game24Task(), g24_config(), sink=sink)
    task = asyncio.create_task(search.run("1 1 1 1"))
    while len(sink.nodes) < 10:
        await asyncio.sleep(0.005)
    task.cancel()
    result = await task
    assert result.status is SessionStatus.STOPPED and result.stop_reason == "stopped"
    assert 10 <= len(result.nodes) < 60
    assert {n.id for n in result.nodes} == set(sink.nodes)
    await asyncio.sleep(0.05)
    assert model.in_flight == 0  # the calls in flight were cancelled too


def test_config_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="beam_width"):
        TreeOfThoughtsConfig(beam_width=0)
    with pytest.raises(ValueError, match="value_map"):
        TreeOfThoughtsConfig(value_map={})
