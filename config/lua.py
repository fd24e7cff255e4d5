"""Lua scripts sent by their SHA1 digest (EVALSHA) instead of their text, for the scripts run on every
delivery or take, whose text would otherwise travel with each call.

Redis keeps every script it has run in its script cache until it restarts or is told SCRIPT FLUSH; a
call by digest that finds it gone fails with NOSCRIPT having done nothing, and is then sent once by its
text, which puts it back in the cache (https://redis.io/docs/latest/commands/evalsha/). redis-py's own
`Script` asks SCRIPT EXISTS before every pipeline it is in, a round trip more than a call by text; here a
pipeline is sent as it is and only what failed for NOSCRIPT is sent again (`execute`).
"""

from __future__ import annotations

from hashlib import sha1

from redis.client import Pipeline
from redis.exceptions import NoScriptError


class Lua:
    """One script, called on a client (at once) or queued on a pipeline (sent by `execute`)."""

    _texts: dict[str, str] = {}  # by digest, for `execute` to send again what Redis no longer holds

    def __init__(self, text: str):
        self.text = text
        self.sha = sha1(text.encode("utf-8")).hexdigest()
        Lua._texts[self.sha] = text

    def __call__(self, client, keys: list, args: list):
        if isinstance(client, Pipeline):
            return client.evalsha(self.sha, len(keys), *keys, *args)
        try:
            return client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return client.eval(self.text, len(keys), *keys, *args)


def execute(pipe: Pipeline) -> list:
    """`pipe.execute()`, except that the scripts Redis no longer held are sent again by their text, in
    their order, after the rest of the pipeline ran; any other error is raised as execute would."""
    commands = [args for args, _ in pipe.command_stack]
    replies = pipe.execute(raise_on_error=False)
    missing = [n for n, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
    if missing:
        again = Pipeline(pipe.connection_pool, pipe.response_callbacks, transaction=False, shard_hint=None)
        for n in missing:
            _, sha, *rest = commands[n]
            again.eval(Lua._texts[sha], *rest)
        for n, reply in zip(missing, again.execute(raise_on_error=False)):
            replies[n] = reply
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies
