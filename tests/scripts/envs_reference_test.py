#!/usr/bin/env python3
"""Test of scripts/envs-reference.py: the committed fixtures are what the pinned packages make.

    python3 tests/scripts/envs_reference_test.py [-v]          (CTest: envs_reference_script)

Remakes every fixture of tests/fixtures/envs/ in a temporary folder with Gymnasium's own envs and
compares them byte for byte with the committed files. Needs the packages the script pins
(scripts/envs-reference-requirements.txt); without them it says so and exits 77, which CTest reports
as skipped. CMake's FLOWRL_ENVS_REFERENCE_PYTHON picks the interpreter (e.g. a venv's python).
"""
import filecmp
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "envs-reference.py")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "envs")
PINNED = {"gymnasium": "1.4.0", "mujoco": "3.3.7"}


def pinned_packages_present():
    try:
        import gymnasium
        import h5py  # noqa: F401
        import mujoco
    except ImportError:
        return False
    return gymnasium.__version__ == PINNED["gymnasium"] and mujoco.__version__ == PINNED["mujoco"]


class EnvsReferenceTest(unittest.TestCase):
    def test_fixtures_are_reproduced(self):
        committed = sorted(f for f in os.listdir(FIXTURES) if f.endswith("_reference.h5"))
        self.assertEqual(len(committed), 5)
        with tempfile.TemporaryDirectory() as out:
            run = subprocess.run([sys.executable, SCRIPT, "--out", out], capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(sorted(os.listdir(out)), committed)
            for name in committed:
                with self.subTest(fixture=name):
                    self.assertTrue(filecmp.cmp(os.path.join(out, name), os.path.join(FIXTURES, name), shallow=False),
                                    f"{name} differs from what the pinned packages make")

    def test_returns_mode(self):
        run = subprocess.run([sys.executable, SCRIPT, "--returns", "hopper-a2c.h5", "hopper-v5", "--episodes", "2"],
                             capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("hopper-a2c.h5 in Hopper-v5", run.stdout)
        self.assertIn("2 episodes from seed 0", run.stdout)


if __name__ == "__main__":
    if not pinned_packages_present():
        print(f"envs_reference_script skipped: {sys.executable} lacks {PINNED} "
              "(pip install -r scripts/envs-reference-requirements.txt, then -DFLOWRL_ENVS_REFERENCE_PYTHON=...)")
        sys.exit(77)
    unittest.main()
