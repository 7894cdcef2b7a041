"""Tree of thoughts (Yao et al., 2023): generate, evaluate, select; BFS with a beam or DFS with
pruning and backtracking.

With a retriever (TOT_ENHANCED_RAG) the node being expanded queries it with its thought, and
the passages condition its children's proposals and evaluations.

Every node goes to the NodeSink when it is made and again whenever it changes. Given the
stored nodes of an interrupted session the search replays them: a stored expansion is
reused, a stored value is reused, a stored selection is kept, so no stored node is made
again. Cancelling the task running `run` ends the search as `stopped` with its partial tree.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Sequence

from protocols.knowledge import SearchMode
from protocols.reasoning import (
    EvaluateMethod,
    Evaluator,
    GenerateMethod,
    NodeStatus,
    Passage,
    ReasoningMode,
    ReasoningResult,
    SearchAlgorithm,
    SelectMethod,
    SessionMetrics,
    SessionStatus,
    ThoughtNode,
    TreeOfThoughtsConfig,
)

from .ports import MeteredModel, MeteredRetriever, ModelClient, NodeSink, NullNodeSink, Retriever
from .tasks import Step, ThoughtTask, cited_passages, parse_value_label, parse_vote


def new_node_id() -> str:
    return uuid.uuid4().hex[:16]


class TreeOfThoughts:
    """One search over one query. Not reusable: make one per session."""

    def __init__(
        self,
        model: ModelClient,
        task: ThoughtTask,
        config: TreeOfThoughtsConfig,
        *,
        sink: NodeSink | None = None,
        retriever: Retriever | None = None,
        retrieval_mode: SearchMode = SearchMode.HYBRID,
        metrics: SessionMetrics | None = None,
        node_ids: Callable[[], str] = new_node_id,
    ) -> None:
        self.metrics = metrics or SessionMetrics()
        self.model = MeteredModel(model, self.metrics)
        self.retriever = MeteredRetriever(retriever, self.metrics) if retriever is not None else None
        self.retrieval_mode = retrieval_mode
        self.task = task
        self.config = config
        self.sink = sink or NullNodeSink()
        self.node_ids = node_ids
        self.rng = random.Random(config.seed)
        self.max_value = max(config.value_map.values())
        self.nodes: dict[str, ThoughtNode] = {}
        self.passages: dict[str, Passage] = {}
        self.queries: list[str] = []
        self.steps = 0  # expansions done: the DFS budget
        self.solution: ThoughtNode | None = None
        self.finals: list[ThoughtNode] = []  # terminal states without a checker's verdict
        self.stop_reason = ""
        self._stored_children: dict[str, list[ThoughtNode]] = {}
        self._node_passages: dict[str, list[Passage]] = {}
        self._values: dict[str, asyncio.Future[float]] = {}
        self._seen: set[str] = set()
        self._query = ""

    # -- the session ---------------------------------------------------------------------

    async def run(self, query: str, stored: Sequence[ThoughtNode] = ()) -> ReasoningResult:
        started = time.perf_counter()
        status = SessionStatus.COMPLETED
        error = None
        self._query = query
        try:
            root = await self._root(query, stored)
            if self.config.search is SearchAlgorithm.BFS:
                await self._bfs(root)
            else:
                await self._dfs(root)
        except asyncio.CancelledError:
            status, self.stop_reason = SessionStatus.STOPPED, "stopped"
            for future in self._values.values():
                future.cancel()
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        except Exception as exc:  # the partial tree is still worth returning
            status, error, self.stop_reason = SessionStatus.FAILED, f"{type(exc).__name__}: {exc}", "error"
        result = await self._result(status, error)
        result.metrics.wall_time_s = time.perf_counter() - started
        return result

    async def _root(self, query: str, stored: Sequence[ThoughtNode]) -> ThoughtNode:
        root = None
        for node in stored:
            copy = node.model_copy(deep=True)
            self.nodes[copy.id] = copy
            if copy.parent_id is None:
                root = copy
            else:
                self._stored_children.setdefault(copy.parent_id, []).append(copy)
        if root is None:
            root = ThoughtNode(id=self.node_ids(), state=self.task.initial_state(query), status=NodeStatus.SELECTED)
            self.nodes[root.id] = root
            await self.sink.put(root)
        self._seen.add(root.state)
        return root

    # -- BFS -----------------------------------------------------------------------------

    async def _bfs(self, root: ThoughtNode) -> None:
        frontier = [root]
        for _depth in range(self.config.max_depth):
            if self.steps >= self.config.max_steps:
                self.stop_reason = "step budget"
                return
            frontier = frontier[: max(0, self.config.max_steps - self.steps)]
            expanded = await asyncio.gather(*(self._expand(node) for node in frontier))
            children = [child for group in expanded for child in group]
            await self._dedupe(children)
            passages = {node.id: self._node_passages.get(node.id, []) for node in frontier}
            await self._evaluate(children, passages)
            if await self._collect_terminals(children):
                return
            open_children = [c for c in children if c.status is not NodeStatus.PRUNED and not c.terminal]
            frontier = await self._select(open_children)
            if not frontier:
                self.stop_reason = "no open state"
                return
        self.stop_reason = "depth limit"

    async def _collect_terminals(self, children: Sequence[ThoughtNode]) -> bool:
        """Judge terminal children; True once one is a checked solution."""
        for child in children:
            if not child.terminal or child.status is NodeStatus.PRUNED:
                continue
            verdict = self.task.check(self._query, self.path(child))
            if verdict is None:
                self.finals.append(child)
            elif verdict.solved:
                self.solution = child
                await self._set_status(child, NodeStatus.SELECTED)
                self.stop_reason = "solved"
                return True
        return False

    async def _select(self, candidates: list[ThoughtNode]) -> list[ThoughtNode]:
        # a resumed step keeps what it had selected and fills only the rest of the beam
        kept = [c for c in candidates if c.status is NodeStatus.SELECTED]
        rest = [c for c in candidates if c.status is not NodeStatus.SELECTED]
        room = max(0, self.config.beam_width - len(kept))
        if self.config.select is SelectMethod.GREEDY:
            chosen = sorted(rest, key=lambda c: c.value or 0.0, reverse=True)[:room]
        else:
            chosen = self._weighted_sample(rest, room)
        chosen_ids = {c.id for c in kept + chosen}
        for candidate in rest:
            if candidate.id in chosen_ids:
                await self._set_status(candidate, NodeStatus.SELECTED)
            else:
                await self._prune(candidate, "not selected")
        return [c for c in candidates if c.id in chosen_ids]

    def _weighted_sample(self, candidates: list[ThoughtNode], b: int) -> list[ThoughtNode]:
        """b states drawn without replacement, each with probability proportional to its value."""
        pool = list(candidates)
        chosen: list[ThoughtNode] = []
        while pool and len(chosen) < b:
            weights = [max(c.value or 0.0, 0.0) for c in pool]
            if sum(weights) <= 0:
                weights = [1.0] * len(pool)
            pick = self.rng.choices(range(len(pool)), weights=weights, k=1)[0]
            chosen.append(pool.pop(pick))
        return chosen

    # -- DFS -----------------------------------------------------------------------------

    async def _dfs(self, root: ThoughtNode) -> None:
        await self._dfs_visit(root)
        if not self.stop_reason:
            self.stop_reason = "exhausted"

    async def _dfs_visit(self, node: ThoughtNode) -> None:
        if self.steps >= self.config.max_steps:
            self.stop_reason = "step budget"
            return
        children = await self._expand(node)
        await self._dedupe(children)
        await self._evaluate(children, {node.id: self._node_passages.get(node.id, [])})
        if await self._collect_terminals(children):
            return
        if self.finals:  # no checker: the first answer above the threshold ends a depth-first search
            self.stop_reason = "answer found"
            return
        ranked = sorted(
            (c for c in children if c.status is not NodeStatus.PRUNED and not c.terminal),
            key=lambda c: c.value or 0.0,
            reverse=True,
        )
        for child in ranked:
            if self.solution is not None or self.stop_reason:
                return
            if child.depth >= self.config.max_depth:
                self.finals.append(child)
                continue
            await self._set_status(child, NodeStatus.SELECTED)
            await self._dfs_visit(child)
        # every child explored or pruned: backtrack to the parent

    # -- generation ----------------------------------------------------------------------

    async def _expand(self, node: ThoughtNode) -> list[ThoughtNode]:
        stored = self._stored_children.get(node.id, [])
        if node.expanded:  # stored whole before an interruption: no model call
            return [c for c in stored if c.status is not NodeStatus.PRUNED or c.note != "duplicate"]
        self.steps += 1
        passages = await self._retrieve_for(node)
        if self.config.generate is GenerateMethod.PROPOSE:
            prompt = self.task.propose_prompt(self._query, node.state, passages)
            text = await self.model.text(prompt, self.config.temperature, self.config.max_tokens)
            steps = self.task.parse_proposals(text, node.state)[: self.config.max_proposals]
        else:
            prompt = self.task.sample_prompt(self._query, node.state, passages)
            samples = await self.model.generate(
                prompt,
                n=self.config.n_generate_sample,
                temperature=self.config.temperature,
                max_tokens=self.config.max_tokens,
                stop=["\n"],
            )
            parsed = [self.task.parse_sample(s.text, node.state) for s in samples]
            steps = [s for s in parsed if s is not None]
        children = []
        for step in steps:
            children.append(await self._child(node, step, stored))
        node.expanded = True
        await self.sink.put(node)
        return children

    async def _child(self, parent: ThoughtNode, step: Step, stored: list[ThoughtNode]) -> ThoughtNode:
        for old in stored:  # made before the interruption: reuse it
            if old.thought == step.thought and old.state == step.state:
                return old
        child = ThoughtNode(
            id=self.node_ids(),
            parent_id=parent.id,
            depth=parent.depth + 1,
            thought=step.thought,
            state=step.state,
            terminal=step.terminal,
        )
        self.nodes[child.id] = child
        self.metrics.nodes_generated += 1
        await self.sink.put(child)
        return child

    async def _retrieve_for(self, node: ThoughtNode) -> list[Passage]:
        if self.retriever is None or self.config.retrieval_k <= 0:
            return []
        query = node.thought if node.parent_id is not None else self._query
        self.queries.append(query)
        passages = await self.retriever.search(query, self.config.retrieval_k, self.retrieval_mode)
        for passage in passages:
            self.passages[passage.id] = passage
        self._node_passages[node.id] = passages
        node.passage_ids = [p.id for p in passages]
        await self.sink.put(node)
        return passages

    async def _dedupe(self, children: Sequence[ThoughtNode]) -> None:
        for child in children:
            if child.status is NodeStatus.PRUNED:
                continue
            if child.state in self._seen and child.value is None:
                await self._prune(child, "duplicate")
            else:
                self._seen.add(child.state)

    # -- evaluation ----------------------------------------------------------------------

    async def _evaluate(self, children: Sequence[ThoughtNode], passages: dict[str, list[Passage]]) -> None:
        todo = [c for c in children if c.status is NodeStatus.CREATED and c.value is None]
        if not todo:
            return
        by_checker: list[ThoughtNode] = []
        by_model: list[ThoughtNode] = []
        for child in todo:
            checked_end = child.terminal and self.task.check(self._query, self.path(child)) is not None
            use_checker = self.config.evaluator is Evaluator.CHECKER
            if checked_end or (use_checker and self.task.checker_label(self._query, child.state)):
                by_checker.append(child)
            else:
                by_model.append(child)
        for child in by_checker:
            child.value = self._checker_value(child)
        context = {c.id: passages.get(c.parent_id or "", []) for c in by_model}
        if self.config.evaluate is EvaluateMethod.VALUE:
            values = await asyncio.gather(*(self._value(c, context[c.id]) for c in by_model))
            for child, value in zip(by_model, values, strict=True):
                child.value = value
        elif by_model:
            await self._vote(by_model, context)
        for child in todo:
            child.status = NodeStatus.EVALUATED
            self.metrics.nodes_evaluated += 1
            await self.sink.put(child)
            if (child.value or 0.0) < self.config.prune_threshold:
                await self._prune(child, "below threshold")

    def _checker_value(self, child: ThoughtNode) -> float:
        if child.terminal:
            verdict = self.task.check(self._query, self.path(child))
            if verdict is not None:
                child.note = verdict.reason
                return self.max_value if verdict.solved else 0.0
        label = self.task.checker_label(self._query, child.state) or ""
        return self.config.value_map.get(label, 0.0)

    async def _value(self, child: ThoughtNode, passages: list[Passage]) -> float:
        """The mean mapped label of n samples; one model call per distinct state (cached)."""
        key = self.task.value_key(child.state) + "\x00" + ",".join(p.id for p in passages)
        future = self._values.get(key)
        if future is None:
            future = asyncio.ensure_future(self._value_uncached(child.state, passages))
            self._values[key] = future
        return await future

    async def _value_uncached(self, state: str, passages: list[Passage]) -> float:
        prompt = self.task.value_prompt(self._query, state, passages)
        samples = await self.model.generate(
            prompt,
            n=self.config.n_evaluate_sample,
            temperature=self.config.temperature,
            max_tokens=self.config.max_tokens,
        )
        labels = [parse_value_label(s.text, list(self.config.value_map)) for s in samples]
        scores = [self.config.value_map[label] if label else 0.0 for label in labels]
        return sum(scores) / len(scores) if scores else 0.0

    async def _vote(self, candidates: list[ThoughtNode], context: dict[str, list[Passage]]) -> None:
        """One prompt with every candidate, n samples; a candidate's value is its share of votes."""
        seen_ids: set[str] = set()
        merged: list[Passage] = []
        for candidate in candidates:
            for passage in context[candidate.id]:
                if passage.id not in seen_ids:
                    seen_ids.add(passage.id)
                    merged.append(passage)
        prompt = self.task.vote_prompt(self._query, [c.state for c in candidates], merged)
        samples = await self.model.generate(
            prompt,
            n=self.config.n_evaluate_sample,
            temperature=self.config.temperature,
            max_tokens=self.config.max_tokens,
        )
        votes = [0] * len(candidates)
        for sample in samples:
            index = parse_vote(sample.text, len(candidates))
            if index is not None:
                votes[index] += 1
        for candidate, count in zip(candidates, votes, strict=True):
            # scaled onto the value map so thresholds and confidence read the same either way
            candidate.value = self.max_value * count / max(1, len(samples))

    # -- bookkeeping ---------------------------------------------------------------------

    async def _set_status(self, node: ThoughtNode, status: NodeStatus) -> None:
        if node.status is not status:
            node.status = status
            await self.sink.put(node)

    async def _prune(self, node: ThoughtNode, why: str) -> None:
        if node.status is NodeStatus.PRUNED:
            return
        node.status = NodeStatus.PRUNED
        node.note = why
        self.metrics.nodes_pruned += 1
        await self.sink.put(node)

    def path(self, node: ThoughtNode) -> list[ThoughtNode]:
        out = [node]
        while out[-1].parent_id is not None and out[-1].parent_id in self.nodes:
            out.append(self.nodes[out[-1].parent_id])
        return out[::-1]

    def _best(self) -> ThoughtNode | None:
        if self.solution is not None:
            return self.solution
        pool = self.finals or [
            n for n in self.nodes.values() if n.value is not None and n.status is not NodeStatus.PRUNED
        ]
        if not pool:
            return None
        # the deepest of the best-valued: a longer path carries more of an answer
        return max(pool, key=lambda n: (n.value or 0.0, n.depth))

    async def _result(self, status: SessionStatus, error: str | None) -> ReasoningResult:
        best = self._best()
        path = self.path(best) if best is not None else []
        answer: str | None = None
        solved: bool | None = None
        passages = self._path_passages(path)
        if best is not None:
            verdict = self.task.check(self._query, path) if best.terminal else None
            solved = verdict.solved if verdict is not None else (False if self._has_checker(path) else None)
            answer = verdict.answer if verdict is not None and verdict.solved else self.task.answer(self._query, path)
            if answer is None and status is SessionStatus.COMPLETED and not self._has_checker(path):
                prompt = self.task.answer_prompt(self._query, path, passages)
                answer = (await self.model.text(prompt, self.config.temperature, self.config.max_tokens)).strip()
        confidence = self._confidence(best, solved)
        return ReasoningResult(
            mode=ReasoningMode.TOT_ENHANCED_RAG if self.retriever is not None else ReasoningMode.TOT_ONLY,
            status=status,
            answer=answer,
            confidence=confidence,
            solved=solved,
            best_path=[n.id for n in path],
            nodes=[n.model_copy(deep=True) for n in self.nodes.values()],
            passages=passages,
            cited=cited_passages(answer or "", passages),
            queries=list(self.queries),
            metrics=self.metrics,
            stop_reason=self.stop_reason,
            error=error,
        )

    def _has_checker(self, path: Sequence[ThoughtNode]) -> bool:
        return self.task.check(self._query, path) is not None

    def _path_passages(self, path: Sequence[ThoughtNode]) -> list[Passage]:
        out: list[Passage] = []
        for node in path:
            for pid in node.passage_ids:
                passage = self.passages.get(pid)
                if passage is not None and passage not in out:
                    out.append(passage)
        return out

    def _confidence(self, best: ThoughtNode | None, solved: bool | None) -> float:
        if solved is not None:
            return 1.0 if solved else 0.0
        if best is None or not self.max_value:
            return 0.0
        return max(0.0, min(1.0, (best.value or 0.0) / self.max_value))
