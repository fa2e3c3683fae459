"""`make run`'s embedded mode: a fresh SQLite database migrates and takes the demo community.

CI runs on PostgreSQL, so without this a migration that only PostgreSQL accepts would break
`make run` on every fresh clone and nobody would know."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def run(*args, env):
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_a_fresh_sqlite_database_migrates_and_seeds_the_demo_twice(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'embedded.sqlite3'}"
    env["PRIVATE_MEDIA_ROOT"] = str(tmp_path / "private-media")  # the seed's licence PDF
    migrated = run("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    for _ in range(2):
        seeded = run("seed_demo", env=env)
        assert seeded.returncode == 0, seeded.stderr[-2000:]
    assert "lixiong-staff" in seeded.stdout
    checked = run("makemigrations", "--check", "--dry-run", env=env)
    assert checked.returncode == 0, checked.stdout
