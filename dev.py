#!/usr/bin/env python3
"""Bootstrap and run Antrean from a fresh checkout with nothing but Python 3.11+.

    python3 dev.py demo [ARGS...]      # the demo office (windows, or a headless gallery)
    python3 dev.py test [ARGS...]      # the test suite
    python3 dev.py bench               # the benchmarks in bench/
    python3 dev.py install ROLE [ARGS...]  # set up this machine as an office's server,
                                       # kiosk, counter or display (`antrean install`)
    python3 dev.py packages [WHO]      # the system packages WHO needs (dev or a role)

On Debian/Ubuntu it first installs the system packages that are missing (the list and
why each is needed: deploy/system-packages.txt) with apt-get, through sudo when not
root; `ANTREAN_SYSTEM_PACKAGES=skip` leaves them to you. Then it creates `.venv/` and
installs the project into it (again whenever pyproject.toml changes).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import venv
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
STAMP = VENV / ".antrean-installed"
PACKAGES_FILE = ROOT / "deploy" / "system-packages.txt"
ROLES = ("server", "kiosk", "counter", "display")


class SetupFailed(Exception):
    """Set-up cannot go on; the message is one sentence naming what to do."""


# ---------------------------------------------------------------------- system packages
@dataclass
class PackageGroup:
    name: str
    who: frozenset[str]
    wants: list[tuple[str, ...]]  # each: alternatives, the first the system has is taken


def read_package_groups(path: Path = PACKAGES_FILE) -> list[PackageGroup]:
    """deploy/system-packages.txt: `[group] for: WHO ...`, `#` comments, package names
    (`a | b`: alternatives)."""
    groups: list[PackageGroup] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            name, _, rest = line[1:].partition("]")
            label, _, who = rest.strip().partition(":")
            if label.strip() != "for" or not who.split():
                raise SetupFailed(f"{path}:{number}: a group is `[name] for: WHO ...`")
            groups.append(PackageGroup(name.strip(), frozenset(who.split()), []))
            continue
        if not groups:
            raise SetupFailed(f"{path}:{number}: a package before the first [group]")
        words = line.replace("|", " | ").split()
        i = 0
        while i < len(words):
            choice = [words[i]]
            i += 1
            while i + 1 < len(words) and words[i] == "|":
                choice.append(words[i + 1])
                i += 2
            groups[-1].wants.append(tuple(choice))
    return groups


def packages_for(who: str) -> list[tuple[PackageGroup, tuple[str, ...]]]:
    return [(group, choice) for group in read_package_groups() if who in group.who
            for choice in group.wants]


def _installed(packages: list[str]) -> set[str]:
    """Which of `packages` dpkg has installed (one query for all)."""
    done = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Status}\\n", *packages],
                          capture_output=True, text=True, check=False)
    return {line.split()[0].split(":")[0] for line in done.stdout.splitlines()
            if line.endswith(" installed")}


def _installable(packages: list[str]) -> set[str]:
    """Which of `packages` apt can install: real packages with a version to install, not
    purely virtual ones (one query for all)."""
    done = subprocess.run(["apt-cache", "policy", *packages], capture_output=True, text=True,
                          check=False)
    found, name = set(), ""
    for line in done.stdout.splitlines():
        if not line.startswith(" ") and line.endswith(":"):
            name = line[:-1]
        elif line.strip().startswith("Candidate:") and \
                line.split(":", 1)[1].strip() not in ("", "(none)"):
            found.add(name)
    return found


def _pick(choices: list[tuple[str, ...]]) -> list[str]:
    """For each set of alternatives, the first apt can install (else the last)."""
    installable = _installable([name for choice in choices for name in choice])
    return [next((n for n in choice if n in installable), choice[-1]) for choice in choices]


def _as_root(command: list[str]) -> list[str] | None:
    """`command` run as root: itself when we are root, through sudo otherwise (asking for
    a password only where someone can type it); None when neither can be."""
    if os.geteuid() == 0:
        return command
    sudo = shutil.which("sudo")
    if sudo is None:
        return None
    return [sudo, *([] if sys.stdin.isatty() else ["-n"]), *command]


def ensure_system_packages(who: str, why: str) -> None:
    """Install the system packages `who` needs that are missing (one line says which and
    why); SetupFailed with the command to run where that cannot be done here."""
    if os.environ.get("ANTREAN_SYSTEM_PACKAGES") == "skip":
        return
    wanted = packages_for(who)
    if shutil.which("dpkg-query") is None or shutil.which("apt-get") is None:
        raise SetupFailed(
            f"this is not a Debian/Ubuntu system (no apt-get): install the equivalents of "
            f"the packages in {PACKAGES_FILE.relative_to(ROOT)} (those for {who}) with your "
            f"package manager, then run `ANTREAN_SYSTEM_PACKAGES=skip python3 dev.py "
            f"{' '.join(sys.argv[1:2])} ...`")
    installed = _installed([name for _group, choice in wanted for name in choice])
    missing = [(group, choice) for group, choice in wanted
               if not installed.intersection(choice)]
    if not missing:
        return
    names = [choice[0] for _group, choice in missing]
    groups = ", ".join(dict.fromkeys(group.name for group, _choice in missing))
    if _as_root(["apt-get"]) is None:
        raise SetupFailed(
            f"{why} needs these system packages ({groups}): install them as root with "
            f"`apt-get install -y {' '.join(names)}`, then run this again")
    with tempfile.NamedTemporaryFile("w+", prefix="antrean-apt-", suffix=".log",
                                     delete=False) as log:
        def apt(*command: str) -> bool:
            full = _as_root(["env", "DEBIAN_FRONTEND=noninteractive", *command])
            assert full is not None
            return subprocess.run(full, stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, check=False).returncode == 0
        ok = apt("apt-get", "update", "-q")  # a fresh system has no package lists
        if ok:
            names = _pick([choice for _group, choice in missing])
            print(f"dev.py: installing system packages for {why} ({groups}; "
                  f"{PACKAGES_FILE.relative_to(ROOT)} says why): {' '.join(names)}",
                  flush=True)
            ok = apt("apt-get", "install", "-y", "-q", "--no-install-recommends", *names)
    if not ok:
        for line in Path(log.name).read_text(errors="replace").splitlines()[-5:]:
            print(f"    {line}", file=sys.stderr)
        raise SetupFailed(
            f"could not install the system packages {why} needs (apt-get's output: "
            f"{log.name}): install them as root with "
            f"`apt-get update && apt-get install -y {' '.join(names)}`, then run this again")
    Path(log.name).unlink(missing_ok=True)


# ---------------------------------------------------------------------- the venv
def ensure_venv(extras: str = "test") -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (run by any system python3)
        raise SetupFailed("Antrean needs Python 3.11 or newer")
    if not PY.exists():
        print("creating .venv …", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except subprocess.CalledProcessError:
            shutil.rmtree(VENV, ignore_errors=True)
            raise SetupFailed("cannot create .venv (no ensurepip): install Python's venv "
                              "module with `apt-get install -y python3-venv`, then run this "
                              "again") from None
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    wanted = f"{digest} {extras}"
    have = STAMP.read_text() if STAMP.exists() else ""
    # the test extras include everything else: a venv made for tests serves any command
    if have in (wanted, f"{digest} test"):
        return
    print("installing Antrean and its dependencies into .venv …", flush=True)
    for command in ([PY, "-m", "pip", "install", "-q", "--upgrade", "pip"],
                    [PY, "-m", "pip", "install", "-q", "-e", target]):
        if subprocess.run(command, check=False).returncode != 0:
            raise SetupFailed("pip could not install Antrean's Python packages (its output "
                              f"is above): fix that, then run this again: "
                              f"{shlex.join(map(str, command))}")
    STAMP.write_text(wanted)


# ---------------------------------------------------------------------- commands
def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "bench", "install", "packages"):
        print(__doc__)
        return 2
    what, rest = argv[0], argv[1:]
    if what == "packages":
        who = rest[0] if rest else "dev"
        choices = [choice for _group, choice in packages_for(who)]
        print(" ".join(_pick(choices) if shutil.which("apt-cache")
                       else [choice[0] for choice in choices]))
        return 0
    if what == "install":
        if not rest or rest[0] not in ROLES:
            print(f"usage: python3 dev.py install {{{','.join(ROLES)}}} [ARGS...]",
                  file=sys.stderr)
            return 2
        ensure_system_packages(rest[0], f"an office {rest[0]}")
        ensure_venv(extras="")
        return subprocess.call([VENV / "bin" / "antrean", "install", *rest], cwd=ROOT)
    ensure_system_packages("dev", f"`dev.py {what}`")
    ensure_venv()
    env = dict(os.environ)
    if what == "demo":
        return subprocess.call([PY, "-m", "antrean", "demo", *rest], cwd=ROOT, env=env)
    if what == "bench":
        code = 0
        for script in sorted((ROOT / "bench").glob("bench_*.py")):
            print(f"== {script.name}", flush=True)
            code |= subprocess.call([PY, script, *rest], cwd=ROOT, env=env)
        return code
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in rest):
        # A worker per core (pytest-xdist; at least two: most tests wait on a server, a
        # browser or a subprocess). More would starve the servers the tests time;
        # `-n 0` runs them one by one.
        rest = ["-n", str(max(2, min(8, os.cpu_count() or 1))), *rest]
    return subprocess.call([PY, "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SetupFailed as exc:
        print(f"dev.py: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
