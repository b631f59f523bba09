"""The `antrean` command line: one entry point, one subcommand a job.

Exit status: 0 success, 2 bad usage (argparse), 1 any other failure with a one-line
reason on stderr. A user mistake never shows a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from antrean.logs import configure_logging
from protocol.messages import DEFAULT_PORT, ROLES

DEFAULT_DB = "antrean.db"
# "monitor": a token that reads GET /metrics and nothing else (never accepted on /ws)
# (a supervisor is a person with a PIN, never a device token)
DEVICE_ROLES = sorted((ROLES - {"observer", "supervisor"}) | {"monitor"})
APPROVE_WAIT_SECONDS = 15.0  # `device approve` waits this long for the server's answer


class UserError(Exception):
    """A mistake the user can fix; printed as one line."""


def _config(path: str | None):
    from config import office as office_config
    try:
        return office_config.load(path)
    except office_config.ConfigError as exc:
        raise UserError(str(exc)) from None


def _store(path: str):
    from server.store.sqlite import Store, StoreError
    try:
        return Store(path)
    except StoreError as exc:
        raise UserError(str(exc)) from None


# ---------------------------------------------------------------------- subcommands
def cmd_server(args: argparse.Namespace) -> int:
    from antrean.wiring import report_hooks
    from server.app import database_in_use, run_loop, serve
    from server.store.sqlite import StoreError, open_for_server
    cfg = _config(args.config)
    if database_in_use(args.db):
        raise UserError(f"{args.db} is in use: a server is already running on it (or a "
                        "restore is under way)")
    try:  # fail early, with a clear message, on a bad, missing or replaced database
        open_for_server(args.db, create=args.create).close()
    except StoreError as exc:
        raise UserError(str(exc)) from None

    context = None
    if getattr(args, "tls_dir", None):
        from antrean import tls
        if args.tls_cert or args.tls_key:
            raise UserError("--tls-dir or --tls-cert/--tls-key, not both")
        args.tls_cert = str(tls.cert_path(args.tls_dir))
        args.tls_key = str(tls.key_path(args.tls_dir))
    if args.tls_cert or args.tls_key:
        from server.app import tls_context
        if not (args.tls_cert and args.tls_key):
            raise UserError("--tls-cert and --tls-key go together")
        try:
            context = tls_context(args.tls_cert, args.tls_key)
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot load the TLS certificate: {exc}") from None
    scheme = "wss" if context else "ws"

    def ready(host: str, port: int) -> None:
        print(f"listening on {scheme}://{host}:{port}/ws", flush=True)
    try:
        run_loop(serve(cfg, args.db, args.host, args.port, ready, ssl_context=context,
                       create=args.create, reports=report_hooks()), tls=context is not None)
    except StoreError as exc:  # the database went away since the check above
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    return 0


def cmd_tls(args: argparse.Namespace) -> int:
    """`antrean tls init` makes the office's certificate; both print its pin last."""
    from antrean import tls
    try:
        if args.action == "init":
            files = tls.init_tls(args.dir, args.host or (), force=args.force)
            print(f"certificate: {files.cert}")
            print(f"private key: {files.key} (readable by its owner only)")
            print("devices pin this SHA-256 fingerprint (--cert-sha256):")
            print(files.fingerprint)
        else:
            print(tls.fingerprint(args.dir))
    except tls.TlsError as exc:
        raise UserError(str(exc)) from None
    return 0


def cmd_device(args: argparse.Namespace) -> int:
    store = _store(args.db)
    try:
        if args.action == "add":
            if args.role == "tablet" and not args.counter:
                raise UserError("a tablet is paired to one counter: --counter is required")
            if args.counter:
                cfg = _config(args.config)
                if cfg.counter(args.counter) is None:
                    raise UserError(f"unknown counter {args.counter!r}")
            token = store.add_device(args.name, args.role, args.counter)
            print(f"device {args.name} ({args.role}) paired; its token (shown once):")
            print(token)
        elif args.action == "list":
            for d in store.list_devices():
                state = f"revoked {d.revoked_at}" if d.revoked_at else "active"
                bound = f" counter={d.counter}" if d.counter else ""
                print(f"{d.name}\t{d.role}\t{state}\t{d.created_at}{bound}")
        elif args.action == "approve":
            return _approve_device(store, args)
        elif args.action == "revoke":
            if not store.revoke_device(args.name):
                raise UserError(f"no active device named {args.name!r}")
            print(f"device {args.name} revoked")
    finally:
        store.close()
    return 0


def _approve_device(store: Any, args: argparse.Namespace) -> int:
    """Record the approval for the running server (it reads it on its tick) and wait for
    what it made of it."""
    import time

    from protocol.messages import PAIRABLE_ROLES
    code = args.code.replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        raise UserError("a pairing code is six digits (as the device shows it)")
    if args.role not in PAIRABLE_ROLES:
        raise UserError(f"--role must be one of {', '.join(PAIRABLE_ROLES)}")
    if args.role == "tablet" and not args.counter:
        raise UserError("a tablet is paired to one counter: --counter is required")
    store.record_pairing_approval(code, args.name, args.role, args.counter)
    # The server and this command share only the database (the server may be another
    # machine's process): its answer is a row it writes on its tick, so poll for it.
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        outcome = store.pairing_approval_outcome(code)
        if outcome == "approved":
            print(f"device {args.name} ({args.role}) paired; it has its token")
            return 0
        if outcome not in (None, "pending"):
            raise UserError(f"not paired: {outcome}")
        time.sleep(0.5)
    raise UserError("the server has not answered: is it running on this database? (the "
                    "approval stays recorded until it does)")


def cmd_officer(args: argparse.Namespace) -> int:
    store = _store(args.db)
    try:
        if args.action == "add":
            _check_pin(args.pin)
            store.add_officer(args.id, args.name, args.pin)
            if args.supervisor:
                store.save_officer(args.id, args.name, supervisor=True)
            print(f"officer {args.id} ({args.name}) added"
                  + (" as a supervisor" if args.supervisor else ""))
        elif args.action == "list":
            for o in store.list_officers(_now()):
                flags = [word for word, on in (("supervisor", o["supervisor"]),
                                               ("disabled", o["disabled"]),
                                               ("locked", o["locked"])) if on]
                print(f"{o['id']}\t{o['name']}\t{','.join(flags) or '-'}")
        elif args.action == "set":
            _officer_set(store, args)
    finally:
        store.close()
    return 0


def _check_pin(pin: str) -> None:
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise UserError("PIN must be 4-12 digits")


def _now() -> Any:
    from datetime import UTC, datetime
    return datetime.now(UTC)


def _officer_set(store: Any, args: argparse.Namespace) -> None:
    from server.store.sqlite import new_pin_hash
    info = store.officer_info(args.id)
    if info is None:
        raise UserError(f"no officer {args.id!r} (add one with `antrean officer add`)")
    if args.pin is not None:
        _check_pin(args.pin)
    store.save_officer(args.id, args.name or info["name"],
                       new_pin_hash(args.pin) if args.pin is not None else None,
                       args.supervisor, args.disabled)
    if args.unlock:
        store.clear_lockouts(args.id)
    info = store.officer_info(args.id)
    flags = [word for word, on in (("supervisor", info["supervisor"]),
                                   ("disabled", info["disabled"])) if on]
    print(f"officer {args.id} ({info['name']}) saved: {', '.join(flags) or 'officer'}"
          + ("; unlocked" if args.unlock else ""))


def _delegate(module: str, func: str = "main"):
    def run(args: argparse.Namespace) -> int:
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:
            raise UserError(f"this part is not installed: {exc}") from None
        return getattr(mod, func)(args)
    return run


# ---------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="antrean", description="Antrean — queue system for "
                                "Indonesian immigration offices")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("server", help="run the LAN server")
    s.add_argument("--config", help="office TOML (default: config/office.example.toml)")
    s.add_argument("--db", default=DEFAULT_DB, help=f"SQLite file (default: {DEFAULT_DB})")
    s.add_argument("--host", default="0.0.0.0")
    s.add_argument("--port", type=int, default=DEFAULT_PORT)
    s.add_argument("--tls-cert", help="PEM certificate: serve wss:// and https://")
    s.add_argument("--tls-key", help="PEM private key for --tls-cert")
    s.add_argument("--tls-dir", help="folder made by `antrean tls init` (its server.crt "
                   "and server.key)")
    s.add_argument("--log-format", choices=["plain", "json"], default="plain",
                   help="plain text lines (default) or one JSON object a line")
    s.add_argument("--create", action="store_true",
                   help="begin an empty database even where one existed (its marker "
                        "FILE.expected says so), or take the database there as this "
                        "office's; without it such a start is refused")
    s.set_defaults(func=cmd_server)

    from antrean.tls import DEFAULT_TLS_DIR
    tl = sub.add_parser("tls", help="the office's TLS certificate (wss://)")
    tsub = tl.add_subparsers(dest="action", required=True)
    ti = tsub.add_parser("init", help="make a self-signed certificate; prints its pin last")
    ti.add_argument("--dir", default=str(DEFAULT_TLS_DIR),
                    help=f"where server.crt and server.key go (default: {DEFAULT_TLS_DIR})")
    ti.add_argument("--host", action="append", metavar="NAME_OR_IP",
                    help="a name or IP the devices use for the server (repeatable); the "
                    "machine's host name and localhost are always in")
    ti.add_argument("--force", action="store_true",
                    help="replace an existing key (every device must pin the new one)")
    tf = tsub.add_parser("fingerprint", help="print the certificate's SHA-256 pin")
    tf.add_argument("--dir", default=str(DEFAULT_TLS_DIR))
    tl.set_defaults(func=cmd_tls)

    d = sub.add_parser("device", help="pair, list or revoke devices")
    dsub = d.add_subparsers(dest="action", required=True)
    da = dsub.add_parser("add", help="pair a device; prints its token last")
    da.add_argument("name")
    da.add_argument("--role", required=True, choices=DEVICE_ROLES)
    da.add_argument("--counter", help="bind a counter console to one counter "
                    "(required for a survey tablet)")
    da.add_argument("--config", help="office TOML, to check --counter")
    da.add_argument("--db", default=DEFAULT_DB)
    dl = dsub.add_parser("list", help="list paired devices")
    dl.add_argument("--db", default=DEFAULT_DB)
    dp = dsub.add_parser("approve", help="approve a device waiting with a pairing code "
                         "(the server must be running on this database)")
    dp.add_argument("code", help="the six digits the device shows")
    dp.add_argument("--name", required=True, help="the device's name from now on")
    dp.add_argument("--role", required=True, choices=["kiosk", "counter", "display", "tablet"])
    dp.add_argument("--counter", help="bind it to one counter (required for a tablet)")
    dp.add_argument("--wait", type=float, default=APPROVE_WAIT_SECONDS,
                    help="seconds to wait for the server (default: %(default)s)")
    dp.add_argument("--db", default=DEFAULT_DB)
    dr = dsub.add_parser("revoke", help="revoke a device's token")
    dr.add_argument("name")
    dr.add_argument("--db", default=DEFAULT_DB)
    d.set_defaults(func=cmd_device)

    o = sub.add_parser("officer", help="manage officers")
    osub = o.add_subparsers(dest="action", required=True)
    oa = osub.add_parser("add", help="add an officer who may log in at counters")
    oa.add_argument("id")
    oa.add_argument("--name", required=True)
    oa.add_argument("--pin", required=True)
    oa.add_argument("--supervisor", action="store_true",
                    help="may also sign in to the supervisor console (/admin)")
    oa.add_argument("--db", default=DEFAULT_DB)
    ol = osub.add_parser("list", help="list officers (never their PINs)")
    ol.add_argument("--db", default=DEFAULT_DB)
    ost = osub.add_parser("set", help="change an officer: PIN, name, enabled, supervisor")
    ost.add_argument("id")
    ost.add_argument("--name")
    ost.add_argument("--pin")
    able = ost.add_mutually_exclusive_group()
    able.add_argument("--disable", dest="disabled", action="store_const", const=True)
    able.add_argument("--enable", dest="disabled", action="store_const", const=False)
    ost.add_argument("--unlock", action="store_true", help="forget wrong PINs (lockouts)")
    sv = ost.add_mutually_exclusive_group()
    sv.add_argument("--supervisor", dest="supervisor", action="store_const", const=True)
    sv.add_argument("--no-supervisor", dest="supervisor", action="store_const", const=False)
    ost.add_argument("--db", default=DEFAULT_DB)
    o.set_defaults(func=cmd_officer)

    demo = sub.add_parser("demo", help="a whole demo office on this machine")
    demo.add_argument("--headless", action="store_true",
                      help="run a scripted morning without windows and write screenshots")
    demo.add_argument("--out", default="demo-out", help="folder for --headless output")
    demo.add_argument("--crowd", action="store_true", help="simulate applicants and officers")
    demo.add_argument("--port", type=int, default=0, help="server port (default: any free)")
    demo.add_argument("--no-apps", action="store_true",
                      help="only the server (print how to connect)")
    demo.set_defaults(func=_delegate("antrean.demo"))

    for name, module, helptext in (("kiosk", "kiosk.app", "the kiosk app"),
                                   ("counter", "counter_console.app", "the counter console"),
                                   ("display", "display_board.app", "the display board")):
        a = sub.add_parser(name, help=helptext)
        a.add_argument("--server", help="wss://HOST:PORT/ws (default: from the device's "
                       "credentials file)")
        a.add_argument("--token", help="device token: written to the device's credentials "
                       "file, read from it when not given; with none, the app shows a "
                       "pairing code for a supervisor to approve and stores the token it "
                       "gets")
        a.add_argument("--device", help="device name (as paired); names its credentials file")
        a.add_argument("--cert-sha256", metavar="FINGERPRINT",
                       help="the server certificate's pin (`antrean tls fingerprint`); "
                       "default: the one on file, else the first one seen")
        if name == "kiosk":
            a.add_argument("--printer", default="dummy", help="printer SPEC")
            a.add_argument("--printer-profile", default=None)
            a.add_argument("--printer-number", choices=["image", "text"], default="image",
                           help="the queue number as an image in the kiosk's font, with "
                           "plain zeros (default), or in the printer's own font, for a "
                           "printer that cannot print raster images")
            a.add_argument("--scanner", help="serial port of a booking-code scanner")
        if name == "counter":
            a.add_argument("--counter", help="counter id")
            a.add_argument("--buttons", help="serial port of physical call buttons")
        if name == "display":
            a.add_argument("--zone", help="only counters of this zone")
            a.add_argument("--counters", help="comma-separated counter ids")
            a.add_argument("--english", action="store_true", help="also announce in English")
            a.add_argument("--clips", help="folder of recorded voice clips")
            a.add_argument("--led", action="append", default=[],
                           help="COUNTER=PORT[:ADDRESS] serial LED display (repeatable)")
            a.add_argument("--observer", action="store_true",
                           help="with no token: a public board that is not paired (no "
                           "pairing code; it reports no device status)")
        a.add_argument("--windowed", action="store_true", help="not full screen")
        a.set_defaults(func=_delegate(module))

    an = sub.add_parser("announce", help="speak a call (test the speakers)")
    an.add_argument("number")
    an.add_argument("counter")
    an.add_argument("--lang", choices=["id", "en"], default="id")
    an.add_argument("--english", action="store_true", help="Indonesian, then English")
    an.add_argument("--text", action="store_true", help="print the sentence only")
    an.add_argument("--out", help="write the WAV here instead of playing it")
    an.add_argument("--clips", help="folder of recorded clips instead of espeak-ng")
    an.set_defaults(func=_announce)

    r = sub.add_parser("report", help="office report (KPIs, SKM/IKM)")
    r.add_argument("--db", default=DEFAULT_DB)
    r.add_argument("--config", help="office TOML")
    r.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
    r.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
    r.add_argument("--format", choices=["csv", "xlsx", "html", "pdf"], required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--lang", choices=["id", "en"], help="report language (default: office's)")
    r.set_defaults(func=_delegate("antrean.report"))

    pg = sub.add_parser("purge", help="fold old per-ticket data into daily aggregates")
    pg.add_argument("--db", default=DEFAULT_DB)
    pg.add_argument("--config", help="office TOML (retention.days)")
    pg.add_argument("--days", type=int, help="override retention.days")
    pg.set_defaults(func=_delegate("antrean.report", "purge_main"))

    bk = sub.add_parser("backup", help="online, consistent copy of the database")
    bk.add_argument("--db", default=DEFAULT_DB)
    bk.add_argument("--out", required=True)
    bk.set_defaults(func=_delegate("antrean.report", "backup_main"))

    rs = sub.add_parser("restore", help="put a backup back in place of the database (the "
                        "server stopped)")
    rs.add_argument("--from", dest="source", required=True, metavar="PATH",
                    help="the backup (checked before anything is touched)")
    rs.add_argument("--db", default=DEFAULT_DB, help="the database to replace (kept aside "
                    "as FILE.before-restore-TIME)")
    rs.set_defaults(func=_delegate("antrean.restore"))

    ins = sub.add_parser("install", help="set up this machine as an office's server, kiosk, "
                         "counter or display (systemd units, service user, folders)")
    from antrean.install import add_arguments as install_arguments
    install_arguments(ins)
    ins.set_defaults(func=_delegate("antrean.install"))

    sim = sub.add_parser("simulate", help="what-if office day on the real engine")
    from antrean.simulate import add_arguments as simulation_arguments
    simulation_arguments(sim)
    sim.set_defaults(func=_delegate("antrean.simulate"))

    ce = sub.add_parser("central", help="the directorate's central PostgreSQL: schema, "
                        "shipping status, the report comparing every office")
    csub = ce.add_subparsers(dest="central_command", required=True, metavar="ACTION")
    ci = csub.add_parser("init", help="create or migrate the central schema (partitioned "
                         "by month)")
    ci.add_argument("url", help="postgresql://USER:PASSWORD@HOST:PORT/DATABASE")
    ci.add_argument("--months", type=int, default=12,
                    help="month partitions to make ahead, from this month (default 12)")
    cs = csub.add_parser("status", help="what this office has not yet shipped")
    cs.add_argument("--db", default=DEFAULT_DB)
    cs.add_argument("--config", help="office TOML")
    cr = csub.add_parser("report", help="every office side by side, national totals, the "
                         "worst-waiting offices")
    cr.add_argument("url", help="postgresql://USER:PASSWORD@HOST:PORT/DATABASE")
    cr.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
    cr.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
    cr.add_argument("--format", choices=["xlsx", "pdf", "html"], required=True)
    cr.add_argument("--out", required=True)
    cr.add_argument("--lang", choices=["id", "en"], default="id")
    ce.set_defaults(func=_delegate("antrean.central"))

    b = sub.add_parser("bookings", help="import appointment bookings (CSV)")
    bsub = b.add_subparsers(dest="action", required=True)
    bi = bsub.add_parser("import", help="send a CSV (code,service,slot_start[,slot_end,lane]) "
                         "to the running server")
    bi.add_argument("file")
    bi.add_argument("--server", required=True, help="ws://HOST:PORT/ws")
    bi.add_argument("--device", required=True, help="an admin device name")
    bi.add_argument("--token", required=True)
    bi.add_argument("--tls-cert", metavar="FILE",
                    help="for wss://: the office's certificate, the only one trusted "
                    "(default: /etc/antrean/tls/server.crt)")
    b.set_defaults(func=_delegate("antrean.bookings"))

    return p


def _announce(args: argparse.Namespace) -> int:
    from antrean.announce import main as announce_main
    argv = [args.number, args.counter, "--lang", args.lang]
    for flag in ("english", "text"):
        if getattr(args, flag):
            argv.append(f"--{flag}")
    for opt in ("out", "clips"):
        if getattr(args, opt):
            argv += [f"--{opt}", getattr(args, opt)]
    return announce_main(argv)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose, log_format=getattr(args, "log_format", "plain"))
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"antrean: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def run(argv: list[str] | None = None) -> Any:
    sys.exit(main(argv))


if __name__ == "__main__":
    run()
