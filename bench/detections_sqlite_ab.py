#!/usr/bin/env python3
"""The SQLite part of a detection create, before and after (issue 2), alternated.

    bench/detections_sqlite_ab.py [COUNT] [ROUNDS] [CREATES]

Builds two stores of the `detections` table alone (its columns and indexes as
in `crates/wirewatch-store/src/schema.rs`) with COUNT rows each (default
200,000): BEFORE with the indexes up to the migration "the detection search's
own indexes", AFTER with the migration "one index fewer" applied. Then, ROUNDS
times (default 3) and alternating, writes CREATES new detections (default
20,000) into each, 32 per transaction (as the group commit does under 32
connections), the way the store writes them:

  BEFORE: `INSERT` of placeholders, then the `UPDATE` of every column (`save`),
  AFTER:  `SELECT max(id) + 1`, then one `INSERT` with the final values.

Prints creates/s per round. Python's `sqlite3` (the system SQLite, not the
bundled one) in WAL mode with synchronous=NORMAL and a 256 MiB cache as the
store's writer. Only the detection row and its indexes: the HTTP request, the
document's serialisation, categories, participants, the trigger queue and the
audit entry are not here (`bench/detections.sh` measures the whole create).
"""

import os
import sqlite3
import sys
import tempfile
import time

TABLE = """
CREATE TABLE detections (
    id INTEGER PRIMARY KEY, type TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,
    risk_score INTEGER NOT NULL, status TEXT, resolution TEXT, assignee TEXT, ticket_id TEXT,
    start_time INTEGER NOT NULL, end_time INTEGER, create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL, mod_time INTEGER NOT NULL, recommended INTEGER NOT NULL,
    is_user_created INTEGER NOT NULL, appliance_id INTEGER NOT NULL, hidden_by INTEGER,
    doc TEXT NOT NULL);
CREATE INDEX detections_ticket ON detections(ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX detections_type ON detections(type, update_time DESC);
CREATE INDEX detections_start ON detections(start_time);
CREATE INDEX detections_create ON detections(create_time);
CREATE INDEX detections_mod ON detections(mod_time);
CREATE INDEX detections_hidden ON detections(hidden_by) WHERE hidden_by IS NOT NULL;
CREATE INDEX detections_by_start ON detections(hidden_by, start_time, end_time, status, risk_score, assignee, ticket_id, type, update_time);
CREATE INDEX detections_by_risk ON detections(hidden_by, risk_score, start_time, end_time, status, assignee, ticket_id, type);
CREATE INDEX detections_by_status ON detections(hidden_by, status, risk_score DESC, start_time, end_time, assignee, ticket_id, type);
CREATE INDEX detections_by_assignee ON detections(hidden_by, assignee, risk_score DESC, start_time, end_time, status, ticket_id, type);
"""
BEFORE = TABLE + """
CREATE INDEX detections_update ON detections(update_time DESC, id);
CREATE INDEX detections_by_update ON detections(hidden_by, update_time, start_time, end_time, status, risk_score, assignee, ticket_id, type);
"""
AFTER = TABLE + """
CREATE INDEX detections_by_update ON detections(update_time DESC, id, hidden_by, start_time, end_time, status, risk_score, assignee, ticket_id, type);
"""
COLS = ("type, title, description, risk_score, status, resolution, assignee, ticket_id, start_time, "
        "end_time, create_time, update_time, mod_time, recommended, is_user_created, appliance_id, doc")
DOC = '{"doc": "' + "x" * 800 + '"}'  # about the size of a stored detection's document
TYPES = ["port_scan", "dns_tunnel", "ssh_brute_force", "sqli_attack", "hacking_tools"]
NOW = 1_765_000_000_000
DAY = 86_400_000


def fill(path, schema, count):
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=NORMAL")
    c.execute("PRAGMA cache_size=-262144")
    c.executescript(schema)
    c.execute("BEGIN")
    for i in range(count):
        t = NOW - 30 * DAY + i * (30 * DAY // count)
        c.execute(f"INSERT INTO detections({COLS}) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  (TYPES[i % 5], "title", "description", (i * 37) % 100,
                   [None, "in_progress", "acknowledged", "closed"][i % 4], None,
                   None if i % 4 == 0 else f"analyst{i % 3}", None if i % 5 else str(i),
                   t, t + 60_000, t, t, t, 0, 0, 0, DOC))
    c.execute("COMMIT")
    return c


def create(c, after, n, seq):
    """n creates, 32 per transaction, as the store writes them; seq: a counter for times."""
    row_sql = f"INSERT INTO detections(id, {COLS}) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    t0 = time.perf_counter()
    for b in range(n // 32):
        c.execute("BEGIN")
        for _ in range(32):
            seq += 1
            now = NOW + seq
            vals = ("port_scan", "Port Scan", "desc", 40, None, None, None, None,
                    now, None, now, now, now, 0, 0, 0, DOC)
            if after:
                i = c.execute("SELECT coalesce(max(id), 0) + 1 FROM detections").fetchone()[0]
                c.execute(row_sql, (i,) + vals)
            else:
                c.execute("INSERT INTO detections(type, title, description, risk_score, start_time, create_time,"
                          " update_time, mod_time, recommended, is_user_created, appliance_id, doc)"
                          " VALUES(?1, '', '', 0, 0, 0, 0, 0, 0, 0, 0, '{}')", ("port_scan",))
                i = c.execute("SELECT last_insert_rowid()").fetchone()[0]
                c.execute("UPDATE detections SET type=?2, title=?3, description=?4, risk_score=?5, status=?6,"
                          " resolution=?7, assignee=?8, ticket_id=?9, start_time=?10, end_time=?11,"
                          " create_time=?12, update_time=?13, mod_time=?14, recommended=?15,"
                          " is_user_created=?16, appliance_id=?17, doc=?18 WHERE id=?1", (i,) + vals)
        c.execute("COMMIT")
    return (n // 32 * 32) / (time.perf_counter() - t0), seq


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    creates = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
    print(f"SQLite {sqlite3.sqlite_version}, {count} rows, {rounds} rounds of {creates} creates")
    with tempfile.TemporaryDirectory(prefix="wirewatch-sqlite-ab.") as d:
        conns = {}
        for name, schema in [("before", BEFORE), ("after", AFTER)]:
            t0 = time.perf_counter()
            conns[name] = fill(os.path.join(d, name + ".db"), schema, count)
            print(f"{name}: filled in {time.perf_counter() - t0:.1f} s")
        seq = {"before": 0, "after": 0}
        for r in range(1, rounds + 1):
            for name in ["before", "after"]:
                rate, seq[name] = create(conns[name], name == "after", creates, seq[name])
                print(f"round {r} {name}: {rate:,.0f} creates/s "
                      f"({1e6 / rate:.1f} us each; load {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
