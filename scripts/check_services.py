"""Make sure the production stack the tests run on is reachable, and say what to start if not."""

import os
import socket
import sys
from urllib.parse import urlparse

SERVICES = [
    (
        "PostgreSQL",
        os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lixiong"),
        5432,
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    ),
    (
        "Redis",
        os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        6379,
        "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
    ),
]


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def main() -> int:
    missing = []
    for name, url, default_port, how in SERVICES:
        parsed = urlparse(url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
        if not reachable(host, port):
            missing.append(
                f"  {name} is not reachable at {host}:{port}. Start it, e.g.:\n    {how}"
            )
    if missing:
        print("make test runs on PostgreSQL and Redis, and cannot reach them:", file=sys.stderr)
        print("\n".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
