"""The cyclic collector's pause around a request (config/collector.py): held while any holder runs,
restored by the last as the first found it, also when the function raises."""

import gc
import threading

import pytest

from config.collector import collector_paused


@pytest.fixture(autouse=True)
def collector_as_it_was():
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_paused_while_running_and_restored_after_it_also_when_it_raises():
    gc.enable()
    seen = []

    @collector_paused
    def accept(fail: bool):
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("refused")
        return "answer"

    assert accept(False) == "answer" and gc.isenabled()
    with pytest.raises(ValueError):
        accept(True)
    assert seen == [False, False] and gc.isenabled()


def test_overlapping_holders_in_threads_keep_it_paused_until_the_last_ends():
    gc.enable()
    first_in, second_in, first_may_end, first_out = (threading.Event() for _ in range(4))
    seen = {}

    @collector_paused
    def first():
        first_in.set()
        first_may_end.wait(5)

    @collector_paused
    def second():
        second_in.set()
        first_out.wait(5)
        seen["after the first ended"] = gc.isenabled()

    one = threading.Thread(target=first)
    one.start()
    first_in.wait(5)
    two = threading.Thread(target=second)
    two.start()
    second_in.wait(5)
    first_may_end.set()
    one.join(5)
    first_out.set()
    two.join(5)
    assert seen == {"after the first ended": False} and gc.isenabled()


def test_a_program_that_keeps_it_disabled_keeps_it_disabled():
    gc.disable()
    collector_paused(lambda: None)()
    assert not gc.isenabled()
