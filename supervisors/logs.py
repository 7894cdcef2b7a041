"""The platform's own log lines in every actor process, at `logging.level` (configs/).

Ray leaves a worker's root logger at WARNING with no handler, so an actor's `log.info`
went nowhere. Each process of the platform gets one stderr handler on the platform's
package loggers: Ray writes a worker's stderr to its log file (`logs/worker-*.err` of the
session, on that worker's node), which is where a slow turn or a redelivery is read after
the fact. Ray's own loggers and the root logger are left as Ray set them.
"""

from __future__ import annotations

import logging

PACKAGES = ("actors", "supervisors", "serve_app", "protocols", "configs")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _PlatformHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module added, so a second call adds no second one."""


def configure_process_logging(level: str) -> None:
    """Send the platform's loggers at `level` and above to this process's stderr."""
    for name in PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if not any(isinstance(h, _PlatformHandler) for h in logger.handlers):
            handler = _PlatformHandler()
            handler.setFormatter(logging.Formatter(FORMAT))
            logger.addHandler(handler)
        # records still propagate: Ray gives a worker's root logger no handler (so nothing
        # prints twice there), and a test's log capture on the root still sees them
