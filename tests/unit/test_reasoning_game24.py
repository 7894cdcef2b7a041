"""Game of 24: the checker, the step parser, and ToT solving a fixed sample of the dev split
with a scripted model that proposes only legal steps (no Ray, no real model)."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest

from actors.reasoning.game24 import (
    Game24Task,
    can_reach,
    check_expression,
    evaluate_expression,
    load_puzzles,
    parse_step,
)
from actors.reasoning.tot import TreeOfThoughts
from protocols.reasoning import (
    EvaluateMethod,
    Evaluator,
    SearchAlgorithm,
    SessionStatus,
    TreeOfThoughtsConfig,
)
from tests.fakes.reasoning_models import ScriptedGame24Model

DEV_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "game24" / "24_dev.csv"
SAMPLE_SEED = 24


def dev_sample(n: int = 20) -> list[list[int]]:
    if not DEV_CSV.exists():
        pytest.skip(f"{DEV_CSV} is not on this machine")
    puzzles = load_puzzles(DEV_CSV)
    assert len(puzzles) > 1000
    return random.Random(SAMPLE_SEED).sample(puzzles, n)


@pytest.mark.parametrize(
    ("expression", "numbers"),
    [
        ("(4 + 8) * (6 - 4) = 24", [4, 4, 6, 8]),
        ("4 * 6 * 1 * 1", [1, 1, 4, 6]),
        ("8 / (3 - 8 / 3) = 24", [3, 3, 8, 8]),  # needs exact fractions: 8 / (1/3)
        ("Answer: (10 - 4) * (13 - 9)", [4, 9, 10, 13]),
        ("(1 + 2 + 3) * 4", [1, 2, 3, 4]),
        ("6 \u00d7 4 \u00f7 1 \u00f7 1", [1, 1, 4, 6]),
    ],
)
def test_checker_accepts_correct_expressions(expression: str, numbers: list[int]) -> None:
    ok, reason = check_expression(expression, numbers)
    assert ok, reason


@pytest.mark.parametrize(
    ("expression", "numbers", "why"),
    [
        ("4 * 6", [1, 1, 4, 6], "exactly once"),  # numbers left unused
        ("4 * 6 * 1 * 1 * 1", [1, 1, 4, 6], "exactly once"),  # a number used twice
        ("(4 + 8) * (6 - 5)", [4, 5, 6, 8], "not 24"),
        ("8 / (3 - 8 / 3) = 25", [3, 3, 8, 8], "claim"),
        ("4 * 6 / (1 - 1)", [1, 1, 4, 6], "division by zero"),
        ("(4 + 8 * (6 - 4)", [4, 4, 6, 8], "unparsable"),
        ("__import__('os')", [1, 2, 3, 4], "unparsable"),
        ("-4 + 28", [4, 28], "unparsable"),  # no unary minus: each number as given
        ("12 * 2", [1, 2, 3, 4], "exactly once"),
    ],
)
def test_checker_rejects_wrong_expressions(expression: str, numbers: list[int], why: str) -> None:
    ok, reason = check_expression(expression, numbers)
    assert not ok
    assert why in reason


def test_expression_parser_is_exact_and_respects_precedence() -> None:
    assert evaluate_expression("1 + 2 * 3") == (Fraction(7), [1, 2, 3])
    assert evaluate_expression("(1 + 2) * 3")[0] == 9
    assert evaluate_expression("8 / 3 * 3")[0] == 8  # no float rounding
    assert evaluate_expression("10 - 4 - 3")[0] == 3  # left-associative


def test_step_parser_keeps_legal_steps_and_recomputes_what_is_left() -> None:
    step = parse_step("1. 8 / 3 = 8/3 (left: 3 8 8/3)", "3 3 8 8")
    assert step is not None
    assert step.state == "8/3 3 8"  # sorted by value
    assert not step.terminal
    # a wrong 'left' is corrected, not trusted
    assert parse_step("4 + 8 = 12 (left: 1 2 3)", "4 6 8 9") is not None
    assert parse_step("4 + 8 = 12 (left: 1 2 3)", "4 6 8 9").state == "6 9 12"  # type: ignore[union-attr]
    assert parse_step("4 + 8 = 13 (left: 6 9 13)", "4 6 8 9") is None  # wrong arithmetic
    assert parse_step("5 + 8 = 13 (left: 6 9 13)", "4 6 8 9") is None  # 5 is not there
    assert parse_step("4 + 4 = 8 (left: 6 8 8 9)", "4 6 8 9") is None  # 4 used twice
    assert parse_step("6 / 0 = 0", "0 6") is None
    last = parse_step("4 * 6 = 24 (left: 24)", "4 6")
    assert last is not None and last.terminal and last.state == "24"


def test_proposals_parse_skips_prose_and_duplicates() -> None:
    text = "Here are steps:\n4 + 8 = 12 (left: 6 9 12)\n4 + 8 = 12 (left: 6 9 12)\n9 - 6 = 3 (left: 3 4 8)\nbanana"
    steps = Game24Task().parse_proposals(text, "4 6 8 9")
    assert [s.state for s in steps] == ["6 9 12", "3 4 8"]


def test_io_and_cot_baselines_prompt_once_and_extract_the_expression() -> None:
    task = Game24Task()
    assert task.io_prompt("9 4 13 10").endswith("Input: 4 9 10 13\nAnswer:")
    assert task.cot_prompt("4 9 10 13").endswith("Input: 4 9 10 13\nSteps:\n")
    reply = "10 - 4 = 6 (left: 6 9 13)\n13 - 9 = 4 (left: 4 6)\nAnswer: (10 - 4) * (13 - 9) = 24\nInput: 1 1 1 1"
    expression = task.extract_answer(reply)
    assert expression == "(10 - 4) * (13 - 9) = 24"
    assert check_expression(expression, [4, 9, 10, 13])[0]
    assert task.extract_answer(" (10 - 4) * (13 - 9) = 24\nmore") == "(10 - 4) * (13 - 9) = 24"
    assert task.extract_answer("") is None


def test_the_prompts_own_examples_are_correct() -> None:
    task = Game24Task()
    for prompt in (task.io_prompt("1 2 3 4"), task.cot_prompt("1 2 3 4")):
        example = prompt.split("Input: ")[1]
        numbers = [int(n) for n in example.splitlines()[0].split()]
        answer = next(line for line in example.splitlines() if line.startswith("Answer:"))
        assert check_expression(answer, numbers)[0], answer
    propose = task.propose_prompt("1 2 3 4", "1 2 3 4", [])
    example = propose.split("Input: ")[1].splitlines()
    assert len(task.parse_proposals("\n".join(example[2:]), example[0])) == 4


def test_the_dev_split_loads_and_the_sample_is_solvable() -> None:
    sample = dev_sample()
    assert all(len(p) == 4 for p in sample)
    assert sum(can_reach([Fraction(n) for n in p]) for p in sample) >= 18


def _config(search: SearchAlgorithm, **kw: object) -> TreeOfThoughtsConfig:
    return TreeOfThoughtsConfig(
        search=search, beam_width=5, max_depth=3, n_evaluate_sample=1, max_steps=500, max_proposals=64, **kw
    )


@pytest.mark.parametrize(
    ("search", "extra"),
    [
        (SearchAlgorithm.BFS, {}),
        (SearchAlgorithm.DFS, {"prune_threshold": 0.5}),
        (SearchAlgorithm.BFS, {"evaluator": Evaluator.CHECKER}),
        (SearchAlgorithm.BFS, {"evaluate": EvaluateMethod.VOTE}),
    ],
    ids=["bfs-value", "dfs-value", "bfs-checker", "bfs-vote"],
)
@pytest.mark.asyncio
async def test_tot_solves_every_solvable_puzzle_of_the_sample(search: SearchAlgorithm, extra: dict) -> None:
    for numbers in dev_sample():
        query = " ".join(map(str, numbers))
        solvable = can_reach([Fraction(n) for n in numbers])
        model = ScriptedGame24Model(seed=sum(numbers))
        result = await TreeOfThoughts(model, Game24Task(), _config(search, **extra)).run(query)
        assert result.status is SessionStatus.COMPLETED
        assert result.solved is solvable, (query, result.stop_reason)
        if solvable:
            assert result.answer is not None
            assert check_expression(result.answer, numbers)[0], result.answer
            assert result.confidence == 1.0
            assert result.stop_reason == "solved"
            assert len(result.best_path) == 4  # the root and three steps
        assert result.metrics.model_calls == len(model.calls)
        assert result.metrics.prompt_tokens > 0 and result.metrics.completion_tokens > 0
        assert result.metrics.nodes_generated == len(result.nodes) - 1
