"""Child specs of the `index` supervisor: the shards of an index, the coordinator, memory."""

from __future__ import annotations

from configs.settings import Settings
from protocols.addresses import KNOWLEDGE, MEMORY, shard_address
from protocols.knowledge import IndexSpec
from protocols.supervision import ChildSpec
from supervisors.specs import worker

SHARD_ACTOR = "actors.knowledge.shard_actor:IndexShard"


def default_index_spec(settings: Settings) -> IndexSpec:
    from actors.knowledge.validate import index_spec

    k = settings.knowledge
    return index_spec({"name": k.default_index}, k)


# FAISS's OpenMP threads spin for a while after each search by default. On a machine the
# shards share with the coordinator and the callers, that spinning takes the CPU the next
# hop needs (measured: about 2.5 ms more per batched call on 2 cores); passive threads sleep.
SHARD_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}


def shard_specs(settings: Settings, spec: IndexSpec) -> list[ChildSpec]:
    return [
        worker(
            shard_address(spec.name, n),
            SHARD_ACTOR,
            settings,
            args=(spec.model_dump(mode="json"), n),
            ray_options={"runtime_env": {"env_vars": SHARD_ENV}},
        )
        for n in range(spec.shards)
    ]


def index_children(settings: Settings) -> list[ChildSpec]:
    """The default index's shards, then the coordinator (it starts the shards of the other
    indexes, read from PostgreSQL), then agent memory."""
    return [
        *shard_specs(settings, default_index_spec(settings)),
        worker(KNOWLEDGE, "actors.knowledge.knowledge_actor:KnowledgeService", settings),
        worker(MEMORY, "actors.knowledge.memory_actor:MemoryService", settings),
    ]


def child_specs(settings: Settings) -> list[ChildSpec]:
    """Under `supervisor/index`."""
    return index_children(settings)
