"""The nightly job of the compose file: wait until ``DOCQA_NIGHTLY_AT`` (HH:MM, local time of
the container, ``TZ``), run ``docqa eval nightly``, repeat. A tiny loop instead of cron: cron
needs root and a daemon, and loses the job's output; here it goes to the container log.

    python -m docqa.ops.schedule                       # docqa eval nightly, every night
    python -m docqa.ops.schedule --at 03:00 -- docqa eval nightly --json
    python -m docqa.ops.schedule --once                # run now, exit with its code

SIGTERM (``docker compose stop``) ends the wait at once; a running job gets the signal too
and the loop exits after it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from types import FrameType

log = logging.getLogger("docqa.ops.schedule")
DEFAULT_COMMAND = ["docqa", "eval", "nightly"]


def next_run(now: datetime, at: str) -> datetime:
    """The next time of day ``at`` strictly after ``now``."""
    hour, minute = (int(x) for x in at.split(":"))
    run = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return run if run > now else run + timedelta(days=1)


def main(argv: list[str] | None = None) -> int:
    from docqa.logs import configure_logging
    from retrieval.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m docqa.ops.schedule", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--at", help="HH:MM (default DOCQA_NIGHTLY_AT)")
    parser.add_argument("--once", action="store_true", help="run now, once")
    parser.add_argument("command", nargs="*", help="default: docqa eval nightly")
    args = parser.parse_args(argv)
    configure_logging()
    at = args.at or load_settings().nightly_at
    next_run(datetime.now(), at)  # a bad --at fails here, not at 2 a.m.
    command = args.command or DEFAULT_COMMAND
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    code = 0
    while not stop.is_set():
        if not args.once:
            when = next_run(datetime.now(), at)
            log.info("next run at %s", when.isoformat(timespec="minutes"),
                        extra={"next_run": when.isoformat()})
            if stop.wait((when - datetime.now()).total_seconds()):
                break
        code = subprocess.call(command)
        log.info("%s exited with %d", " ".join(command), code, extra={"exit_code": code})
        if args.once:
            break
    return code


if __name__ == "__main__":
    sys.exit(main())
