#!/usr/bin/env python3
"""A real SMTP server for the integration tests (aiosmtpd).

Listens on 127.0.0.1 (a free port unless --port), prints `PORT <n>` once it
accepts connections, then one JSON line per message it accepted:
{"mail_from", "rcpt_tos", "data"}. With --refuse N it answers the first N
messages with a temporary failure (451), as a server that is down or
overloaded would. It exits when its stdin closes (the test is over).
"""

import argparse
import json
import socket
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, refuse):
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        print(json.dumps({
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
        }), flush=True)
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--refuse", type=int, default=0)
    args = parser.parse_args()
    port = args.port
    if not port:
        # aiosmtpd wants a fixed port: take a free one from the kernel.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    controller = Controller(Sink(args.refuse), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"PORT {port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
