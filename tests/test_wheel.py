"""A real install: the wheel, built from this tree and installed into a fresh virtualenv, gives a
`bondgenoten` whose demo runs (the sandbox and its Bot API description ship with it)."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str | Path, cwd: Path | None = None, timeout: float = 600) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={k: v for k, v in os.environ.items() if not k.startswith("BONDGENOTEN_")},
    )
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


def test_the_wheel_in_a_fresh_virtualenv_runs_the_demo(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, ROOT)
    [wheel] = wheels.glob("bondgenoten-*.whl")
    env = tmp_path / "env"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", wheel)
    elsewhere = tmp_path / "elsewhere"  # not the source tree: only what the wheel installed
    elsewhere.mkdir()
    assert "bondgenoten" in run(env / "bin" / "bondgenoten", "--version", cwd=elsewhere)
    shown = run(env / "bin" / "bondgenoten", "demo", "--scenes", "1", cwd=elsewhere)
    assert "Scene 1" in shown and "Scene 2" not in shown
    assert "Bot:" in shown  # the bot answered the stranger through the sandbox
    where = run(
        python, "-c", "import sandbox, bot; print(sandbox.__file__, bot.__file__)", cwd=elsewhere
    )
    assert str(ROOT) not in where
