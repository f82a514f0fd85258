#!/usr/bin/env python3
"""Scripted MongoDB stand-in for wirewatch sink tests, built on mockupdb.

Usage:
  mock_server.py --port PORT --record FILE [--max-wire-version 21]
                 [--user U --password P [--auth-db admin]] [--no-speculative-auth]
                 [--record-hello] [--verbose]

  --port 0 picks a free port. When listening, prints "LISTENING 127.0.0.1:<port>"
  (one line, flushed) on stdout, so a test can wait for it.
  Stops on SIGTERM / SIGINT.

Behaviour (all OP_MSG, which is all the Rust driver 3.x speaks):
  hello / isMaster  -> standalone primary, maxWireVersion as given (driver 3.x
                       needs >= 9 and min <= 29), helloOk, logicalSessionTimeoutMinutes
  insert            -> {ok:1, n:len(documents)}
  update            -> {ok:1, n:len(updates), nModified:len(updates)}
  delete            -> {ok:1, n:len(deletes)}
  find / aggregate  -> empty cursor;  anything else -> {ok:1}
  saslStart / saslContinue -> real server side of SCRAM-SHA-256 and SCRAM-SHA-1
                       (also via speculativeAuthenticate inside hello) when --user set;
                       wrong password -> {ok:0, code:18 AuthenticationFailed}.
                       With --user set, commands on unauthenticated connections get
                       {ok:0, code:13 Unauthorized}.
  Writes with moreToCome (w:0) are recorded and not answered.

Every received command except hello/isMaster (unless --record-hello) is appended
to FILE as one JSON line (MongoDB relaxed extended JSON):
  {"cmd": "insert", "db": "ods", "conn": <client port>, "doc": {...full command,
   with OP_MSG document sequences (documents/updates/deletes) merged in...}}
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import itertools
import json
import os
import signal
import sys
import threading
import time

from bson import json_util
from bson.json_util import JSONOptions, JSONMode
from mockupdb import MockupDB, OP_MSG_FLAGS

JSON_OPTS = JSONOptions(json_mode=JSONMode.RELAXED)
HELLO_NAMES = {"hello", "ismaster"}
UNAUTH_OK = HELLO_NAMES | {"saslstart", "saslcontinue", "ping", "buildinfo",
                           "endsessions", "getnonce", "logout"}


class Scram:
    """Server side of SCRAM (RFC 5802 / 7677) as MongoDB does it."""

    def __init__(self, user, password):
        self.user = user
        self.password = password
        self.iterations = {"SCRAM-SHA-1": 10000, "SCRAM-SHA-256": 15000}
        self.salt = os.urandom(16)
        self.convs = {}  # conversationId -> state
        self.ids = itertools.count(1)
        self.lock = threading.Lock()

    def _keys(self, mech):
        if mech == "SCRAM-SHA-1":
            h = hashlib.sha1
            pw = hashlib.md5(f"{self.user}:mongo:{self.password}".encode()).hexdigest().encode()
            name = "sha1"
        else:
            h = hashlib.sha256
            pw = self.password.encode()  # SASLprep is identity for ASCII
            name = "sha256"
        salted = hashlib.pbkdf2_hmac(name, pw, self.salt, self.iterations[mech])
        return h, salted

    def start(self, mech, payload):
        """Returns (reply_fields, error_or_None)."""
        if mech not in self.iterations:
            return None, f"mechanism {mech} not supported"
        msg = bytes(payload).decode()
        if not msg.startswith("n,,"):
            return None, "bad gs2 header"
        bare = msg[3:]
        attrs = dict(kv.split("=", 1) for kv in bare.split(","))
        user = attrs.get("n", "").replace("=2C", ",").replace("=3D", "=")
        if user != self.user:
            return None, "Authentication failed."
        snonce = attrs["r"] + base64.b64encode(os.urandom(18)).decode()
        server_first = (f"r={snonce},s={base64.b64encode(self.salt).decode()},"
                        f"i={self.iterations[mech]}")
        with self.lock:
            cid = next(self.ids)
            self.convs[cid] = dict(mech=mech, bare=bare, server_first=server_first,
                                   nonce=snonce)
        return {"conversationId": cid, "done": False,
                "payload": server_first.encode()}, None

    def cont(self, cid, payload):
        with self.lock:
            st = self.convs.pop(cid, None)
        if st is None:
            return None, "No SASL session state found"
        final = bytes(payload).decode()
        without_proof, _, proof_b64 = final.rpartition(",p=")
        attrs = dict(kv.split("=", 1) for kv in without_proof.split(","))
        if attrs.get("r") != st["nonce"]:
            return None, "nonce mismatch"
        h, salted = self._keys(st["mech"])
        auth_msg = ",".join([st["bare"], st["server_first"], without_proof]).encode()
        client_key = hmac.new(salted, b"Client Key", h).digest()
        stored_key = h(client_key).digest()
        client_sig = hmac.new(stored_key, auth_msg, h).digest()
        proof = base64.b64decode(proof_b64)
        recovered = bytes(a ^ b for a, b in zip(proof, client_sig))
        if h(recovered).digest() != stored_key:
            return None, "Authentication failed."
        server_key = hmac.new(salted, b"Server Key", h).digest()
        server_sig = hmac.new(server_key, auth_msg, h).digest()
        return {"conversationId": cid, "done": True,
                "payload": b"v=" + base64.b64encode(server_sig)}, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--max-wire-version", type=int, default=21)  # 21 = MongoDB 7.0
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--auth-db", default="admin")
    ap.add_argument("--no-speculative-auth", action="store_true")
    ap.add_argument("--record-hello", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    scram = Scram(args.user, args.password or "") if args.user else None
    authed = set()  # client ports of authenticated connections
    conn_ids = itertools.count(1)
    rec_lock = threading.Lock()
    rec = open(args.record, "a", buffering=1)

    def record(req, name):
        line = json.dumps({"cmd": name, "db": req.namespace, "conn": req.client_port,
                           "doc": json.loads(json_util.dumps(req.doc, json_options=JSON_OPTS))})
        with rec_lock:
            rec.write(line + "\n")
            rec.flush()

    def fail(req, code, codename, errmsg):
        return req.replies({"ok": 0, "code": code, "codeName": codename, "errmsg": errmsg})

    def hello_reply(req):
        doc = req.doc
        reply = {
            "ok": 1, "helloOk": True, "isWritablePrimary": True, "ismaster": True,
            "maxBsonObjectSize": 16 * 1024 * 1024, "maxMessageSizeBytes": 48000000,
            "maxWriteBatchSize": 100000, "localTime": datetime.datetime.now(datetime.timezone.utc),
            "logicalSessionTimeoutMinutes": 30, "connectionId": next(conn_ids),
            "minWireVersion": 0, "maxWireVersion": args.max_wire_version,
            "readOnly": False,
        }
        if scram and "saslSupportedMechs" in doc:
            reply["saslSupportedMechs"] = ["SCRAM-SHA-1", "SCRAM-SHA-256"]
        spec = doc.get("speculativeAuthenticate")
        if scram and spec and not args.no_speculative_auth and "saslStart" in spec:
            res, err = scram.start(spec.get("mechanism"), spec.get("payload"))
            if res is not None:
                reply["speculativeAuthenticate"] = res
        return req.replies(reply)

    def handler(req):
        name = req.command_name or ""
        lname = name.lower()
        if lname not in HELLO_NAMES or args.record_hello:
            record(req, name)
        if req.flags & OP_MSG_FLAGS["moreToCome"]:
            return True  # unacknowledged write: no reply allowed
        if lname in HELLO_NAMES:
            return hello_reply(req)
        if scram and lname == "saslstart":
            res, err = scram.start(req.doc.get("mechanism"), req.doc.get("payload"))
            return req.replies(res) if res else fail(req, 18, "AuthenticationFailed", err)
        if scram and lname == "saslcontinue":
            res, err = scram.cont(req.doc.get("conversationId"), req.doc.get("payload"))
            if res is None:
                return fail(req, 18, "AuthenticationFailed", err)
            authed.add(req.client_port)
            return req.replies(res)
        if scram and lname not in UNAUTH_OK and req.client_port not in authed:
            return fail(req, 13, "Unauthorized",
                        f"command {name} requires authentication")
        if lname == "insert":
            return req.replies({"ok": 1, "n": len(req.doc.get("documents", []))})
        if lname == "update":
            n = len(req.doc.get("updates", []))
            return req.replies({"ok": 1, "n": n, "nModified": n})
        if lname == "delete":
            return req.replies({"ok": 1, "n": len(req.doc.get("deletes", []))})
        if lname in ("find", "aggregate"):
            coll = req.doc.get(name) if isinstance(req.doc.get(name), str) else "x"
            return req.replies({"ok": 1, "cursor": {"id": 0, "ns": f"{req.namespace}.{coll}",
                                                    "firstBatch": []}})
        return req.replies({"ok": 1})

    server = MockupDB(port=args.port, verbose=args.verbose, request_timeout=int(1e6))
    server.autoresponds(handler)
    port = server.run()
    print(f"LISTENING 127.0.0.1:{port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    while not stop.wait(0.2):
        pass
    server.stop()
    rec.close()


if __name__ == "__main__":
    main()
