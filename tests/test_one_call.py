"""config/one_call.py on a real Redis: commands staged on `Writes` and sent as one EVAL leave exactly
what the same commands leave when sent in a MULTI, texts, numbers, flags and bytes that are not text
included."""

from __future__ import annotations

from config.one_call import Writes


def _stage(pipe, prefix: str) -> None:
    pipe.hset(f"{prefix}:h", mapping={"texto": "Año ñandú €", "entero": 7, "real": 1733512345.123456,
                                      "vacio": "", "json": '{"a":"\\n"}'})
    pipe.zadd(f"{prefix}:z", {"a": 739000000000123, "b": 2})
    pipe.zadd(f"{prefix}:z", {"a": 5, "b": 9}, lt=True)  # LT: only a moves
    pipe.rpush(f"{prefix}:l", "uno", "dos")
    pipe.hincrby(f"{prefix}:c", "n", 3)
    pipe.expire(f"{prefix}:l", 1000)
    pipe.set(f"{prefix}:b", b"1:1:\xc5\xd7\x00\xff compressed")  # not UTF-8
    pipe.set(f"{prefix}:b2", b"\x80")
    pipe.mset({f"{prefix}:m1": b"\xff\x00", f"{prefix}:m2": "texto", f"{prefix}:m3": b"\xfe"})
    pipe.hset(f"{prefix}:h", "otro", "valor")  # after the values that are not text


def _state(r, prefix: str) -> tuple:
    return (r.hgetall(f"{prefix}:h"), r.zrange(f"{prefix}:z", 0, -1, withscores=True), r.lrange(f"{prefix}:l", 0, -1),
            r.hgetall(f"{prefix}:c"), r.ttl(f"{prefix}:l") > 0,
            r.execute_command("GET", f"{prefix}:b", NEVER_DECODE=True),
            r.execute_command("GET", f"{prefix}:b2", NEVER_DECODE=True),
            r.execute_command("MGET", f"{prefix}:m1", f"{prefix}:m2", f"{prefix}:m3", NEVER_DECODE=True))


def test_writes_sent_as_one_call_leave_what_a_multi_leaves(quiet_db):
    pipe = quiet_db.pipeline()
    _stage(pipe, "multi")
    pipe.execute()
    writes = Writes()
    _stage(writes, "eval")
    pipe = quiet_db.pipeline()
    pipe.multi()
    writes.send(pipe)
    pipe.execute()
    assert _state(quiet_db, "eval") == _state(quiet_db, "multi")
    assert quiet_db.zscore("eval:z", "a") == 5 and quiet_db.hget("eval:h", "real") == "1733512345.123456"


def test_arguments_are_the_texts_redis_py_sends_and_what_it_refuses_is_refused():
    import pytest
    from redis.connection import Encoder
    from redis.exceptions import DataError

    encoder = Encoder("utf-8", "strict", False)
    values = ["ñ", 7, -3, 10**20, 0.1, 1e22, 1733512345.123456, b"LT"]
    writes = Writes()
    writes.rpush("l", *values)
    assert writes.commands == [["RPUSH", "l", *(encoder.encode(v).decode() for v in values)]]
    for refused in (True, None, 1.5j):
        with pytest.raises(DataError):
            Writes().rpush("l", refused)
