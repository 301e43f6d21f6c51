#!/usr/bin/env python3
"""A Roomcast client in Python, built on the generated JSON Schema alone (no TypeScript).

It connects, joins a room, sends one message and waits for its own message and the ack. Every
frame it receives, and every frame it sends, is validated against
packages/protocol/schema/roomcast.schema.json; a frame that does not match ends the run with
exit code 1. Exit code 0 means the whole exchange happened as protocol v1 says. The schema is
exact (no unknown fields), which suits checking a server of the same version; a long-lived client
would allow unknown fields, since newer servers may add optional ones.

Needs Debian's python3-websockets, python3-jsonschema and python3-regex (JSON Schema patterns are
ECMA-262 regular expressions; the names' rules use Unicode property escapes like \\p{Cf}, which
Python's own `re` does not know, so `pattern` is checked with the `regex` module):
    apt-get install -y python3-websockets python3-jsonschema python3-regex
    /usr/bin/python3 examples/python/chat.py --url ws://127.0.0.1:3000/ws --name ada --room general
"""

import argparse
import asyncio
import json
import sys
import uuid
from pathlib import Path
from urllib.parse import urlencode

try:
    import jsonschema
    import regex
    import websockets
except ImportError as missing:
    sys.exit(f"{missing}: install python3-websockets, python3-jsonschema and python3-regex (or run /usr/bin/python3)")

try:  # websockets >= 14; Debian 12 ships 10.4, where connect lives at the top level.
    from websockets.asyncio.client import connect
except ImportError:
    from websockets import connect

DEFAULT_SCHEMA = Path(__file__).resolve().parents[2] / "packages" / "protocol" / "schema" / "roomcast.schema.json"


class ProtocolViolation(Exception):
    """A frame that the JSON Schema rejects, or a reply that protocol v1 does not allow."""


def unicode_pattern(validator, pattern, instance, schema):
    """`pattern` with Unicode property escapes (\\p{...}), as ECMA-262 regular expressions have them."""
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


class Schema:
    """Validators for ServerFrame and ClientFrame, taken from the one generated document."""

    def __init__(self, path):
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        base = jsonschema.validators.validator_for(document)
        base.check_schema(document)
        cls = jsonschema.validators.extend(base, {"pattern": unicode_pattern})
        self.title = document["title"]

        def ref(name):
            return cls({**document, "$ref": f"#/$defs/{name}"})

        self.server = ref("ServerFrame")
        self.client = ref("ClientFrame")
        # One validator per frame definition, keyed by its event name, only to explain a failure:
        # a ServerFrame/ClientFrame failure alone says "not valid under any of the given schemas".
        self.by_event = {
            (name.split(".")[0], definition["properties"]["event"]["const"]): ref(name)
            for name, definition in document["$defs"].items()
            if name.startswith(("server.", "client."))
        }

    def check(self, side, frame, what):
        """Validates a frame against ServerFrame or ClientFrame; a ProtocolViolation says where it fails."""
        if (self.server if side == "server" else self.client).is_valid(frame):
            return
        event = frame.get("event") if isinstance(frame, dict) else None
        validator = self.by_event.get((side, event), self.server if side == "server" else self.client)
        error = jsonschema.exceptions.best_match(validator.iter_errors(frame))
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise ProtocolViolation(f"{what} does not match the schema at {where}: {error.message}")


class Client:
    def __init__(self, socket, schema, timeout):
        self.socket = socket
        self.schema = schema
        self.timeout = timeout
        self.received = 0
        self.next_id = 1

    async def receive(self):
        """The next frame, validated against ServerFrame before anything looks at it."""
        raw = await asyncio.wait_for(self.socket.recv(), self.timeout)
        if not isinstance(raw, str):
            raise ProtocolViolation("received a binary frame; protocol v1 frames are JSON text")
        try:
            frame = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ProtocolViolation(f"received a frame that is not JSON: {error}") from None
        what = f"received {frame.get('event', 'frame')}" if isinstance(frame, dict) else "received frame"
        self.schema.check("server", frame, what)
        self.received += 1
        if frame["event"] == "error":
            data = frame["data"]
            raise ProtocolViolation(f"server error {data['code']}: {data['message']}")
        return frame

    async def request(self, event, data):
        """Sends a client frame with a fresh id (validated first); returns the id."""
        frame = {"event": event, "data": data, "id": self.next_id}
        self.next_id += 1
        self.schema.check("client", frame, f"outgoing {event}")
        await self.socket.send(json.dumps(frame))
        return frame["id"]

    async def until(self, wanted, on_other=lambda frame: None):
        """Frames until `wanted(frame)` holds; the others go to `on_other`."""
        while True:
            frame = await self.receive()
            if wanted(frame):
                return frame
            on_other(frame)


def show(frame):
    data = frame["data"]
    if frame["event"] in ("user:joined", "user:left"):
        verb = "joined" if frame["event"] == "user:joined" else "left"
        print(f"{data['user']['name']} {verb} {data['room']}")
    elif frame["event"] == "message":
        print(f"[{data['room']} #{data['seq']}] {data['from']['name']}: {data['text']}")


def is_ack(request_id):
    return lambda frame: frame["event"] == "ack" and frame["data"]["id"] == request_id


async def chat(args):
    schema = Schema(args.schema)
    url = f"{args.url}?{urlencode({'name': args.name})}"
    async with connect(url, open_timeout=args.timeout) as socket:
        client = Client(socket, schema, args.timeout)

        welcome = await client.receive()
        if welcome["event"] != "welcome":
            raise ProtocolViolation(f"the first frame is {welcome['event']}, not welcome")
        me = welcome["data"]
        print(f"connected as {me['name']} ({me['clientId']}), protocol {me['protocol']}")

        join_id = await client.request("join", {"room": args.room})
        joined = (await client.until(is_ack(join_id), show))["data"]["result"]
        names = ", ".join(member["name"] for member in joined["members"])
        print(f"joined {joined['room']}: {names}")

        msg_id = f"py-{uuid.uuid4().hex[:12]}"
        send_id = await client.request("send", {"room": args.room, "text": args.text, "clientMsgId": msg_id})

        def own_message(frame):
            data = frame["data"]
            return frame["event"] == "message" and data.get("clientMsgId") == msg_id

        def early_ack(frame):
            if is_ack(send_id)(frame):
                raise ProtocolViolation("the ack of send came before our own message")
            show(frame)

        mine = await client.until(own_message, early_ack)
        show(mine)
        if mine["data"]["from"]["id"] != me["clientId"]:
            raise ProtocolViolation("our message came back from someone else")
        ack = (await client.until(is_ack(send_id), show))["data"]["result"]
        if ack != {"room": args.room, "seq": mine["data"]["seq"]}:
            raise ProtocolViolation(f"the ack {ack} does not match the message's seq {mine['data']['seq']}")
        print(f"acknowledged: {args.room} #{ack['seq']}")
        print(f"all {client.received} frames received matched {schema.title}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="ws://127.0.0.1:3000/ws", help="the server's /ws endpoint")
    parser.add_argument("--name", default="py", help="display name")
    parser.add_argument("--room", default="lobby", help="room to join")
    parser.add_argument("--text", default="hello from Python", help="message to send")
    parser.add_argument("--schema", default=str(DEFAULT_SCHEMA), help="path to roomcast.schema.json")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each frame")
    args = parser.parse_args()
    try:
        asyncio.run(chat(args))
    except ProtocolViolation as error:
        sys.exit(f"protocol violation: {error}")
    except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as error:
        sys.exit(f"connection failed: {type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
