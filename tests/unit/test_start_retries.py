from actors.agents.start_retries import StartRetries


def test_an_agent_never_failed_is_due_at_once() -> None:
    assert StartRetries(2.0, 60.0).due("a", now=0.0)


def test_failed_starts_back_off_exponentially_up_to_the_ceiling() -> None:
    retries = StartRetries(first_delay_s=2.0, max_delay_s=20.0)
    delays = [retries.failed("a", now=100.0) for _ in range(6)]
    assert delays == [2.0, 4.0, 8.0, 16.0, 20.0, 20.0]
    assert retries.failures("a") == 6
    assert not retries.due("a", now=119.9) and retries.due("a", now=120.0)


def test_a_start_forgets_the_failures_and_other_agents_are_not_held_back() -> None:
    retries = StartRetries(first_delay_s=2.0, max_delay_s=60.0)
    retries.failed("a", now=0.0)
    retries.failed("a", now=2.0)
    assert not retries.due("a", now=3.0) and retries.due("b", now=3.0)
    retries.started("a")
    assert retries.due("a", now=3.0) and retries.failures("a") == 0
    assert retries.failed("a", now=3.0) == 2.0
