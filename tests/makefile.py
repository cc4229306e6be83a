"""The Makefile's recipes as ``make -n`` prints them: one helper for every test that reads them.

``make test`` runs pytest inside make, so a nested ``make`` sees ``MAKELEVEL`` and ``MAKEFLAGS`` and would print
``make[1]: Entering directory …`` lines around the recipe; those are stripped from the environment here, and
``--no-print-directory`` keeps the output to the recipe's own command lines whether pytest runs alone or under make.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path


def recipe(root: Path, target: str, *args: str) -> list[str]:
    """The command lines ``make <target> <args>`` would run, prerequisites' stamps treated as up to date."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"}}
    done = subprocess.run(["make", "-n", "-s", "--no-print-directory", target, *args, "RUNTIME=", "DEV="],
                          cwd=root, env=env, capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines() if line.strip()]
