"""dev.py's system packages: one list (deploy/system-packages.txt) for dev.py, .ci/run and
the install guide; where dev.py cannot install what is missing it stops with one sentence
naming the command to run, never a traceback. (Installing itself is checked where it
counts: `fresh_machine`-style runs of the README's two commands on a fresh Debian.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import dev  # noqa: E402  (the bootstrap script, not a package)

MISSING = "antrean-test-no-such-package"


def test_one_list_with_a_reason_for_every_group():
    groups = dev.read_package_groups()
    text = dev.PACKAGES_FILE.read_text()
    for group in groups:
        assert group.who <= {"dev", *dev.ROLES}, group
        assert group.wants, group
        # each group says why, in the comment lines right under its header
        header = re.search(rf"^\[{re.escape(group.name)}\].*\n((?:#.*\n)+)", text, re.M)
        assert header, f"group {group.name} has no comment saying why"
        for choice in group.wants:
            assert all(re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", name) for name in choice)
    for who in ("dev", *dev.ROLES):
        assert dev.packages_for(who), who
    dev_names = {name for _g, choice in dev.packages_for("dev") for name in choice}
    # what the test suite itself runs: Qt, fonts, CUPS, Chromium, systemd-analyze, cage
    assert {"libgl1", "fonts-dejavu-core", "cups", "chromium", "systemd", "cage"} <= dev_names
    kiosk = subprocess.run([sys.executable, str(ROOT / "dev.py"), "packages", "kiosk"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert {"cage", "cups", "libgl1", "espeak-ng"} <= set(kiosk)


def test_ci_and_the_install_guide_use_the_list():
    assert "python3 dev.py test" in (ROOT / ".ci/run").read_text()
    assert "apt-get install" not in (ROOT / ".ci/run").read_text()  # dev.py does it
    guide = (ROOT / "docs/install.md").read_text()
    assert "deploy/system-packages.txt" in guide and "dev.py install server" in guide


def copy_of_dev(packages: str) -> Path:
    """dev.py in a folder anyone may read, with its own package list."""
    folder = Path(tempfile.mkdtemp(prefix="antrean-devpy-"))
    os.chmod(folder, 0o755)
    shutil.copy(ROOT / "dev.py", folder / "dev.py")
    (folder / "deploy").mkdir(mode=0o755)
    (folder / "deploy/system-packages.txt").write_text(packages)
    for path in (folder / "dev.py", folder / "deploy/system-packages.txt"):
        os.chmod(path, 0o644)
    return folder


def run_dev(folder: Path, env: dict[str, str], user: str | None = None,
            python: str = sys.executable) -> subprocess.CompletedProcess:
    command = [python, str(folder / "dev.py"), "demo", "--headless"]
    if user:
        command = [shutil.which("runuser") or "runuser", "-u", user, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120,
                          stdin=subprocess.DEVNULL, check=False)


def assert_one_sentence(done: subprocess.CompletedProcess, *needles: str) -> None:
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("dev.py: "), done.stderr
    for needle in needles:
        assert needle in last, last


def test_without_apt_it_names_what_to_do(tmp_path):
    folder = copy_of_dev(f"[x] for: dev\n# a reason\n{MISSING}\n")
    bin_dir = tmp_path / "bin"  # a system with Python and no apt-get, dpkg or sudo
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    try:
        done = run_dev(folder, {"PATH": str(bin_dir), "HOME": str(tmp_path)})
    finally:
        shutil.rmtree(folder)
    assert_one_sentence(done, "not a Debian/Ubuntu system", "deploy/system-packages.txt",
                        "ANTREAN_SYSTEM_PACKAGES=skip")


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None
                    or shutil.which("apt-get") is None,
                    reason="needs root (to run dev.py as another user) and apt")
def test_not_root_and_no_sudo_it_names_the_command(tmp_path):
    folder = copy_of_dev(f"[x] for: dev\n# a reason\nlibc6 {MISSING}\n")
    # the system's Python, as a new user has it (a venv's may live in root's home)
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    try:
        done = run_dev(folder, {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}, user="nobody",
                       python=python)
    finally:
        shutil.rmtree(folder)
    # as nobody, without sudo (or sudo without a password to give): nothing installed,
    # one sentence with the command, naming only what is missing
    assert_one_sentence(done, f"apt-get install -y {MISSING}`")
    assert "libc6" not in done.stderr.strip().splitlines()[-1]
