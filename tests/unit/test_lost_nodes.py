"""Keeping restarts off a lost node (supervisors/lost_nodes.py): the plain parts."""

from __future__ import annotations

from ray._private.label_utils import validate_label_selector

from supervisors.lost_nodes import NODE_ID_LABEL, REMEMBER_S, exclude_nodes, fresh_records

A, B = "a" * 56, "b" * 56  # Ray node ids are 56 hex digits


def test_no_lost_node_leaves_the_options_as_they_are() -> None:
    options = {"num_cpus": 0, "resources": {"worker": 0.001}}
    assert exclude_nodes(options, []) is options


def test_one_lost_node_is_excluded_by_its_node_id_label() -> None:
    options = {"resources": {"worker": 0.001}}
    placed = exclude_nodes(options, [A])
    assert placed == {"resources": {"worker": 0.001}, "label_selector": {NODE_ID_LABEL: f"!{A}"}}
    assert options == {"resources": {"worker": 0.001}}, "the caller's options are not changed"
    assert validate_label_selector(placed["label_selector"]) is None  # Ray accepts it


def test_several_lost_nodes_are_excluded_together_and_other_labels_kept() -> None:
    placed = exclude_nodes({"label_selector": {"zone": "us-east"}}, [B, A, B])
    assert placed["label_selector"] == {"zone": "us-east", NODE_ID_LABEL: f"!in({A}, {B})"}
    assert validate_label_selector(placed["label_selector"]) is None


def test_an_actor_pinned_to_a_node_by_its_author_is_left_pinned() -> None:
    options = {"label_selector": {NODE_ID_LABEL: A}}
    assert exclude_nodes(options, [B]) is options


def test_records_older_than_the_memory_are_dropped() -> None:
    now = 10_000.0
    records = {A: now - 5, B: now - REMEMBER_S - 1}
    assert fresh_records(records, now) == {A: now - 5}
