"""The simulator's memory, in SQLite so that it survives a restart: tickets it issued, recent logins
per certificate, and every comprobante it authorised."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    token TEXT PRIMARY KEY, sign TEXT NOT NULL, dn TEXT NOT NULL, service TEXT NOT NULL,
    relations TEXT NOT NULL, generated REAL NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS logins (
    dn TEXT NOT NULL, service TEXT NOT NULL, at REAL NOT NULL, expires REAL NOT NULL,
    PRIMARY KEY (dn, service)
);
CREATE TABLE IF NOT EXISTS comprobantes (
    cuit INTEGER NOT NULL, pto_vta INTEGER NOT NULL, cbte_tipo INTEGER NOT NULL, numero INTEGER NOT NULL,
    cbte_fch TEXT NOT NULL, detail TEXT NOT NULL, cae TEXT NOT NULL, cae_vto TEXT NOT NULL,
    fch_proceso TEXT NOT NULL, observations TEXT NOT NULL,
    PRIMARY KEY (cuit, pto_vta, cbte_tipo, numero)
);
"""


@dataclass(frozen=True)
class IssuedTicket:
    token: str
    sign: str
    dn: str
    service: str
    relations: list[int]
    generated: float
    expires: float


@dataclass(frozen=True)
class Authorised:
    numero: int
    cbte_fch: str
    detail: dict
    cae: str
    cae_vto: str
    fch_proceso: str
    observations: list[tuple[int, str]]  # AFIP's Obs on an approved comprobante (e.g. 10217)


_AUTHORISED = "numero, cbte_fch, detail, cae, cae_vto, fch_proceso, observations"


def _authorised(row) -> Authorised | None:
    if row is None:
        return None
    return Authorised(row[0], row[1], json.loads(row[2]), row[3], row[4], row[5],
                      [tuple(o) for o in json.loads(row[6])])


class SimulatorState:
    """Thread-safe access to the SQLite file; `transaction` also serialises each lane's numbering."""

    def __init__(self, path: str):
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)

    @contextmanager
    def transaction(self):
        """Everything inside is stored at once (one write to disk) or not at all, and no one else writes."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # WSAA

    def save_ticket(self, ticket: IssuedTicket) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO tickets VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ticket.token, ticket.sign, ticket.dn, ticket.service, json.dumps(ticket.relations),
                 ticket.generated, ticket.expires),
            )
            self.db.execute(
                "INSERT OR REPLACE INTO logins VALUES (?, ?, ?, ?)",
                (ticket.dn, ticket.service, ticket.generated, ticket.expires),
            )

    def ticket(self, token: str) -> IssuedTicket | None:
        with self.lock:
            row = self.db.execute("SELECT * FROM tickets WHERE token = ?", (token,)).fetchone()
        if row is None:
            return None
        return IssuedTicket(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6])

    def last_login(self, dn: str, service: str) -> tuple[float, float] | None:
        with self.lock:
            row = self.db.execute("SELECT at, expires FROM logins WHERE dn = ? AND service = ?", (dn, service)).fetchone()
        return (row[0], row[1]) if row else None

    # WSFEv1

    def last_authorised(self, cuit: int, pto_vta: int, cbte_tipo: int) -> Authorised | None:
        with self.lock:
            row = self.db.execute(
                f"SELECT {_AUTHORISED} FROM comprobantes "
                "WHERE cuit = ? AND pto_vta = ? AND cbte_tipo = ? ORDER BY numero DESC LIMIT 1",
                (cuit, pto_vta, cbte_tipo),
            ).fetchone()
        return _authorised(row)

    def authorised(self, cuit: int, pto_vta: int, cbte_tipo: int, numero: int) -> Authorised | None:
        with self.lock:
            row = self.db.execute(
                f"SELECT {_AUTHORISED} FROM comprobantes "
                "WHERE cuit = ? AND pto_vta = ? AND cbte_tipo = ? AND numero = ?",
                (cuit, pto_vta, cbte_tipo, numero),
            ).fetchone()
        return _authorised(row)

    def authorise(self, cuit: int, pto_vta: int, cbte_tipo: int, record: Authorised) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO comprobantes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (cuit, pto_vta, cbte_tipo, record.numero, record.cbte_fch, json.dumps(record.detail, default=str),
                 record.cae, record.cae_vto, record.fch_proceso, json.dumps(record.observations)),
            )

    def points_of_sale(self, cuit: int) -> list[int]:
        with self.lock:
            rows = self.db.execute(
                "SELECT DISTINCT pto_vta FROM comprobantes WHERE cuit = ? ORDER BY pto_vta", (cuit,)).fetchall()
        return [row[0] for row in rows]

    def all_tickets(self) -> list[tuple[str, str, float, float]]:
        """(dn, service, generated, expires) of every ticket issued: how many logins there were."""
        with self.lock:
            return self.db.execute("SELECT dn, service, generated, expires FROM tickets ORDER BY generated").fetchall()

    def all_authorised(self) -> list[tuple[int, int, int, int, str]]:
        """(cuit, pto_vta, cbte_tipo, numero, cae) of everything authorised: the ground truth for tests."""
        with self.lock:
            return self.db.execute(
                "SELECT cuit, pto_vta, cbte_tipo, numero, cae FROM comprobantes ORDER BY cuit, pto_vta, cbte_tipo, numero"
            ).fetchall()
