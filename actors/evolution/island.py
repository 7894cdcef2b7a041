"""One island: a population evolved one generation at a time (select, vary, evaluate, survive).

A generation has three phases, and the island's state after each is data (IslandState):
`vary` makes the children (pending), `evaluate` scores them (cascade, then full val, through
the cache), `survive` keeps the population's size by NSGA-II. The island actor checkpoints
after `vary` and after `survive`; a restart resumes with the same children, and the
evaluations stored meanwhile come back with the checkpoint, so nothing is computed twice.

Split discipline: objectives (hence survival and parent selection) come from val only;
reflection reads train only; test is never read here (the run reports it at the end).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence

import numpy as np

from protocols.evolution import (
    Culled,
    Evaluation,
    Genome,
    IslandProgress,
    IslandState,
    Lineage,
    Member,
    Operator,
    ParentSelection,
    Recipe,
    RunConfig,
    Split,
    genome_key,
)

from .evaluation import BudgetSpent, EvaluationCache, EvaluationCounters, Evaluations, cascade_minibatch, mean_score
from .objectives import aggregate, best, hypervolume
from .ports import EvaluationSink, Evaluator, ModelClient
from .selection import pareto_wins_pairs, survive, tournament_pairs
from .space import GenomeSpace, space_for
from .text import PromptVariation, TextMetrics
from .variation import numeric_children


def seeds_for(config: RunConfig, island: int) -> list[Genome]:
    """The run's seed genomes dealt round-robin over the islands."""
    return list(config.seeds[island :: config.islands])


class Island:
    def __init__(
        self,
        config: RunConfig,
        evaluator: Evaluator,
        *,
        index: int = 0,
        model: ModelClient | None = None,
        sink: EvaluationSink | None = None,
        state: IslandState | None = None,
    ) -> None:
        self.config = config
        self.index = index
        self.space: GenomeSpace = space_for(config.space)
        self.objectives = list(config.objectives)
        self.rng = np.random.default_rng([config.seed, index])
        self.counters = EvaluationCounters()
        self.evaluations = Evaluations(evaluator, EvaluationCache(), sink, self.counters)
        self.text_metrics = TextMetrics()
        self.text = PromptVariation(model, config.text, self.text_metrics) if model is not None else None
        # the example order is fixed by the run's seed (not the island's stream): a resumed island sees the same
        order = np.random.default_rng(config.seed)
        self.val = [str(e) for e in order.permutation(np.array(self.evaluations.examples(Split.VAL), dtype=object))]
        self.train = self.evaluations.examples(Split.TRAIN)
        if not self.val:
            raise ValueError(f"task {evaluator.task} has no val examples")
        self.minibatch = cascade_minibatch(self.val, config.cascade)
        self.generation = 0
        self.members: list[Member] = []
        self.pending: list[Member] = []
        self.culled: list[Culled] = []
        if state is not None:
            self._restore(state)

    # -- the generation ----------------------------------------------------------------------

    async def step(self, limit: int | None = None) -> IslandProgress:
        """One generation; `limit`: the most metric calls this island may have made by its end."""
        with self.evaluations.limited(limit):
            if not self.pending:
                await self.vary()
            await self.evaluate()
        self.survive()
        return self.progress()

    async def vary(self) -> list[Member]:
        """Make this generation's children (the first generation: the seeds and random genomes)."""
        self.pending = await (self._initial() if not self.members else self._children())
        return self.pending

    async def evaluate(self) -> None:
        first = not self.members
        results = await asyncio.gather(*(self._evaluate_child(c, cascade=not first) for c in self.pending))
        self.pending = [child for child, kept in zip(self.pending, results, strict=True) if kept]

    def survive(self) -> None:
        pool: dict[str, Member] = {m.key: m for m in self.members}
        for child in self.pending:
            if child.objectives:
                pool.setdefault(child.key, child)
        self.members = survive(list(pool.values()), self.objectives, self.config.population_size, self.rng)
        self.pending = []
        self.generation += 1

    # -- variation ------------------------------------------------------------------------

    async def _initial(self) -> list[Member]:
        seeds = seeds_for(self.config, self.index)
        template = seeds[0] if seeds else (self.config.seeds[0] if self.config.seeds else None)
        lineage = Lineage(generation=0, island=self.index)
        out = [self._member(g, lineage.model_copy(update={"operators": [Operator.SEED]})) for g in seeds]
        missing = self.config.population_size - len(out)
        for genome in self.space.sample(max(0, missing), self.rng, template):
            out.append(self._member(genome, lineage.model_copy(update={"operators": [Operator.SAMPLE]})))
        return _unique(out)

    async def _children(self) -> list[Member]:
        n = self.config.children_per_generation
        n_pairs = math.ceil(n / 2)
        if self.config.parent_selection is ParentSelection.PARETO_WINS:
            pairs = pareto_wins_pairs(self.val_scores(), n_pairs, self.rng)
        else:
            pairs = tournament_pairs(self.members, n_pairs, self.rng)
        parents = [(self.members[int(a)], self.members[int(b)]) for a, b in pairs]
        children = numeric_children(self.space, [(a.genome, b.genome) for a, b in parents], self.rng)[:n]
        jobs = []
        for genome, pair in children:
            first, second = parents[pair]
            jobs.append(self._text_variation(genome, first, second, self.rng.random(), self._train_minibatch()))
        varied = await asyncio.gather(*jobs)
        known = {m.key for m in self.members}
        out = []
        for (genome, operators), (_, pair) in zip(varied, children, strict=True):
            first, second = parents[pair]
            lineage = Lineage(
                parents=list(dict.fromkeys([first.key, second.key])),
                operators=operators,
                generation=self.generation,
                island=self.index,
            )
            member = self._member(genome, lineage)
            if member.key not in known:
                out.append(member)
        return _unique(out)

    def _train_minibatch(self) -> list[str]:
        size = min(self.config.text.minibatch_size, len(self.train))
        if size == 0:
            return []
        return [str(e) for e in self.rng.choice(np.array(self.train, dtype=object), size=size, replace=False)]

    async def _text_variation(
        self, genome: Genome, first: Member, second: Member, draw: float, train: list[str]
    ) -> tuple[Genome, list[Operator]]:
        operators = [Operator.NUMERIC]
        if self.text is None or not isinstance(genome, Recipe):
            return genome, operators
        assert isinstance(first.genome, Recipe) and isinstance(second.genome, Recipe)
        text = self.config.text
        if draw < text.reflect_rate and train:
            try:
                evaluations = await self.evaluations.run(first.genome, first.key, Split.TRAIN, train)
            except BudgetSpent:
                return genome, operators  # no budget left to read the parent's failures
            prompt = await self.text.reflect(first.genome.system_prompt, evaluations)
            operators.append(Operator.REFLECT)
        elif (
            draw < text.reflect_rate + text.crossover_rate and first.genome.system_prompt != second.genome.system_prompt
        ):
            prompt = await self.text.crossover(first.genome.system_prompt, second.genome.system_prompt)
            operators.append(Operator.TEXT_CROSSOVER)
        else:
            return genome, operators
        return genome.model_copy(update={"system_prompt": prompt}), operators

    def _member(self, genome: Genome, lineage: Lineage) -> Member:
        return Member(key=genome_key(genome), genome=genome, lineage=lineage)

    # -- evaluation -----------------------------------------------------------------------

    async def _evaluate_child(self, child: Member, cascade: bool) -> bool:
        """Score `child` on val; False when the cascade stops it on the minibatch, or when the
        budget has no room left for its evaluation (it is dropped unscored)."""
        if child.objectives:
            return True
        try:
            if cascade and self.minibatch:
                first = await self.evaluations.run(child.genome, child.key, Split.VAL, self.minibatch)
                score = mean_score(first)
                if score < self.config.cascade.threshold:
                    self.culled.append(Culled(key=child.key, lineage=child.lineage, minibatch_score=score))
                    return False
            evaluations = await self.evaluations.run(child.genome, child.key, Split.VAL, self.val)
        except BudgetSpent:
            return False
        child.objectives = aggregate(evaluations, self.objectives)
        return True

    def val_scores(self) -> np.ndarray:
        """(members, val examples) scores, from the cache: what Pareto-wins selection reads."""
        out = np.zeros((len(self.members), len(self.val)))
        for i, member in enumerate(self.members):
            for j, example in enumerate(self.val):
                found = self.evaluations.cache.get(member.key, self.evaluations.task, Split.VAL, example)
                out[i, j] = found.score if found is not None else 0.0
        return out

    # -- migration ------------------------------------------------------------------------

    def emigrants(self, rate: float) -> tuple[list[Member], list[Evaluation]]:
        """The best share `rate` of the population (rank, then crowding), with their val evaluations."""
        if rate <= 0 or not self.members:
            return [], []
        count = min(len(self.members), max(1, round(rate * len(self.members))))
        ranked = sorted(self.members, key=lambda m: (m.rank or 0, -(m.crowding or 0.0)))[:count]
        evaluations = [e for m in ranked for e in self.evaluations.cache.of(m.key, self.evaluations.task, Split.VAL)]
        return [m.model_copy(deep=True) for m in ranked], evaluations

    def immigrate(self, members: Sequence[Member], evaluations: Iterable[Evaluation]) -> None:
        """Take migrants in (their evaluations too, so none is computed again), then survive."""
        self.evaluations.cache.add(evaluations)
        pool: dict[str, Member] = {m.key: m for m in self.members}
        for member in members:
            if member.key not in pool:
                lineage = member.lineage.model_copy(update={"operators": [*member.lineage.operators, Operator.MIGRANT]})
                pool[member.key] = member.model_copy(update={"lineage": lineage})
        self.members = survive(list(pool.values()), self.objectives, self.config.population_size, self.rng)

    # -- state ----------------------------------------------------------------------------

    def progress(self) -> IslandProgress:
        front = [m for m in self.members if m.rank == 0]
        return IslandProgress(
            island=self.index,
            generation=self.generation,
            population=len(self.members),
            hypervolume=hypervolume(self.members, self.objectives),
            front=front,
            best=best(self.members, self.objectives),
            diversity=self.space.diversity([m.genome for m in self.members]),
            evaluations=self.counters.computed,
            cache_hits=self.counters.hits,
            culled=len(self.culled),
            refused=self.counters.refused,
        )

    def checkpoint(self, include_evaluations: bool = True) -> IslandState:
        return IslandState(
            island=self.index,
            generation=self.generation,
            members=[m.model_copy(deep=True) for m in self.members],
            pending=[m.model_copy(deep=True) for m in self.pending],
            culled=list(self.culled),
            rng=self.rng.bit_generator.state,
            evaluations=self.evaluations.cache.dump() if include_evaluations else [],
            computed=self.counters.computed,
            cache_hits=self.counters.hits,
            refused=self.counters.refused,
            text_calls=self.text_metrics.calls,
            text_tokens=self.text_metrics.prompt_tokens + self.text_metrics.completion_tokens,
        )

    @classmethod
    def from_checkpoint(
        cls,
        config: RunConfig,
        evaluator: Evaluator,
        state: IslandState,
        *,
        evaluations: Iterable[Evaluation] = (),
        model: ModelClient | None = None,
        sink: EvaluationSink | None = None,
    ) -> Island:
        """Resume; `evaluations` are those stored since (or instead of) the checkpoint's own."""
        island = cls(config, evaluator, index=state.island, model=model, sink=sink, state=state)
        island.evaluations.cache.add(evaluations)
        return island

    def _restore(self, state: IslandState) -> None:
        self.index = state.island
        self.generation = state.generation
        self.members = [m.model_copy(deep=True) for m in state.members]
        self.pending = [m.model_copy(deep=True) for m in state.pending]
        self.culled = list(state.culled)
        self.rng.bit_generator.state = state.rng
        self.evaluations.cache.add(state.evaluations)
        self.counters.computed = state.computed
        self.counters.hits = state.cache_hits
        self.counters.refused = state.refused
        self.text_metrics.calls = state.text_calls


def _unique(members: Sequence[Member]) -> list[Member]:
    return list({m.key: m for m in members}.values())
