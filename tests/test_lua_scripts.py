"""Scripts called by digest still run once each after Redis forgot them (a restart, SCRIPT FLUSH), alone
and in a pipeline, and nothing else in the pipeline runs twice (config/lua.py)."""

from __future__ import annotations

import pytest
from redis.exceptions import ResponseError

from config.lua import Lua, execute

COUNT = Lua("return redis.call('INCRBY', KEYS[1], ARGV[1])")
APPEND = Lua("return redis.call('RPUSH', KEYS[1], ARGV[1])")


def test_a_script_redis_forgot_runs_once_and_is_then_called_by_digest(quiet_db):
    quiet_db.script_flush()
    assert COUNT(quiet_db, ["n"], [2]) == 2
    assert quiet_db.script_exists(COUNT.sha) == [True]
    assert COUNT(quiet_db, ["n"], [3]) == 5


def test_a_pipeline_sends_again_only_the_scripts_redis_forgot_in_their_order(quiet_db):
    APPEND(quiet_db, ["log"], ["warm"])  # one of the two known to Redis, then forgotten with the other
    quiet_db.script_flush()
    pipe = quiet_db.pipeline(transaction=False)
    APPEND(pipe, ["log"], ["first"])
    pipe.incr("plain")
    COUNT(pipe, ["n"], [4])
    APPEND(pipe, ["log"], ["second"])
    assert execute(pipe) == [2, 1, 4, 3]
    assert quiet_db.lrange("log", 0, -1) == ["warm", "first", "second"]
    assert quiet_db.get("plain") == "1" and quiet_db.get("n") == "4"
    pipe = quiet_db.pipeline(transaction=False)
    COUNT(pipe, ["n"], [1])
    assert execute(pipe) == [5]


def test_other_errors_in_a_pipeline_are_raised(quiet_db):
    quiet_db.set("text", "a")
    pipe = quiet_db.pipeline(transaction=False)
    COUNT(pipe, ["text"], [1])
    with pytest.raises(ResponseError, match="not an integer"):
        execute(pipe)
