"""Many writes sent as one Lua call: `Writes` stands in for an open MULTI, recording the commands that
any `stage` function issues on it (Store.stage_news, webhook_dispatch.outbox.stage…), and `send` adds
them to the real transaction as a single EVAL, which runs them in order and atomically
(https://redis.io/docs/latest/develop/interact/programmability/eval-intro/).

Why: a request that accepts 100 comprobantes stages some 1,700 commands with some 12,000 arguments. In a
MULTI redis-py packs each argument and parses each reply, which costs more than Redis running them; here
they travel as one JSON text (json.dumps and Redis' cjson are both C) and come back as one reply. Every
argument is sent as the text redis-py would send (the repr of an int or a float), so no number goes
through Lua's doubles. A value that is not text (a compressed record, comprobantes/record_codec.py) cannot
travel in JSON: it goes as an argument of its own, which the command names by its position. A command
that fails stops the ones after it, where EXEC would go on with them; the commands staged here are
writes that do not fail on the keys they are given. The script reaches its keys through its argument
rather than KEYS, which standalone Redis and Sentinel allow; Redis Cluster is not supported
(docs/production.md).
"""

from __future__ import annotations

import json

from redis.commands.core import CoreCommands
from redis.connection import Encoder

# ARGV[2] lists the commands (from 1) that carry a value that is not text: only those are scanned for its
# place, where scanning every argument of a batch took Redis a fifth of the script's time.
_REPLAY = """
local commands = cjson.decode(ARGV[1])
for _, index in ipairs(cjson.decode(ARGV[2])) do
  local command = commands[index]
  for position, arg in ipairs(command) do
    if type(arg) == 'table' then command[position] = ARGV[arg[1]] end
  end
end
for _, command in ipairs(commands) do
  redis.call(unpack(command))
end
return 0
"""


_ENCODER = Encoder("utf-8", "strict", False)
_PLAIN_NUMBERS = (int, float)  # exactly these types: a bool is an int, and is refused


class Writes(CoreCommands):
    """The commands issued on it, recorded in order as an open pipeline would queue them."""

    def __init__(self):
        self.commands: list[list] = []
        self.binary: list[bytes] = []  # the values that are not text, each sent as an argument of its own
        self.carrying: list[int] = []  # the commands (from 1, as Lua counts) that name one of them

    def execute_command(self, *args, **options) -> None:
        before = len(self.binary)
        self.commands.append([arg if type(arg) is str else self._text(arg) for arg in args])
        if len(self.binary) > before:
            self.carrying.append(len(self.commands))

    def _text(self, arg) -> str | list[int]:
        """An argument as redis-py's encoder sends it: numbers by their repr, flags such as ZADD's LT from
        bytes, and a None or a bool refused (DataError) as a pipeline would refuse it; bytes that are not
        text as the position of the EVAL argument that carries them. A plain int or float is its repr, as
        the encoder makes it, without the encoder's round trip through bytes: a batch stages thousands."""
        if type(arg) in _PLAIN_NUMBERS:
            return repr(arg)
        encoded = _ENCODER.encode(arg)
        try:
            return encoded.decode()
        except UnicodeDecodeError:
            self.binary.append(encoded)
            return [len(self.binary) + 2]  # ARGV[1] and ARGV[2] are the commands and `carrying`, the values follow

    def send(self, pipe) -> None:
        """Add the recorded commands to `pipe` (an open MULTI) as one EVAL."""
        if self.commands:
            pipe.eval(_REPLAY, 0, json.dumps(self.commands, ensure_ascii=False, separators=(",", ":")),
                      json.dumps(self.carrying), *self.binary)
