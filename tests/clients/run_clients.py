#!/usr/bin/env python3
"""Drives the real automation clients (netmiko, scrapli, scrapli_netconf,
PyEZ, ncclient) against a real `reshell chassis` with SSH and NETCONF.

    python tests/clients/run_clients.py --reshell target/debug/reshell [-k NAME] [--keep]

The clients are the ones pinned in tests/clients/requirements.txt (.ci/run
installs them in target/clients-venv); the OpenSSH client `ssh` must be on
PATH (scrapli's system transport). Exits 0 when every test passed, 1 when
one failed, 2 when the suite could not start. The whole run is bounded by
--deadline: past it the stacks of every thread are printed, the chassis is
killed and the run fails.
"""

import argparse
import os
import faulthandler
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unittest
from pathlib import Path

sys.dont_write_bytecode = True  # keep tests/clients free of __pycache__
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--reshell",
        default=str(HERE.parent.parent / "target" / "debug" / "reshell"),
        help="the reshell binary (default: target/debug/reshell of this repository)",
    )
    parser.add_argument(
        "--deadline", type=float, default=900, help="seconds the whole run may take (default 900)"
    )
    parser.add_argument(
        "-k", dest="patterns", action="append", default=[], help="run only tests whose name contains this"
    )
    parser.add_argument(
        "--work-dir", help="where the chassis state and the client logs go (default: a new temporary directory)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory even if every test passed")
    return parser.parse_args()


def preflight(reshell):
    """Reasons the suite cannot run at all, as a list of messages."""
    problems = []
    if not Path(reshell).is_file():
        return [f"no reshell binary at {reshell} (build it: cargo build)"]
    try:
        usage = subprocess.run(
            [reshell, "chassis", "--help"], capture_output=True, timeout=30, stdin=subprocess.DEVNULL
        ).stdout.decode(errors="replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        return [f"{reshell} chassis --help failed: {e}"]
    for flag in ("--ssh-listen", "--netconf-listen"):
        if flag not in usage:
            problems.append(f"{reshell} chassis has no {flag} (this binary predates SSH/NETCONF)")
    if shutil.which("ssh") is None:
        problems.append("no OpenSSH client `ssh` on PATH (scrapli's system transport runs it)")
    missing = []
    for module in ("netmiko", "scrapli.driver.core", "scrapli_netconf.driver", "jnpr.junos", "ncclient", "lxml", "napalm", "ntc_templates"):
        try:
            __import__(module)
        except ImportError as e:
            missing.append(f"{module} ({e})")
    if missing:
        problems.append(
            "missing Python packages: " + ", ".join(missing) + "; pip install -r tests/clients/requirements.txt"
        )
    return problems


def main():
    args = parse_args()
    problems = preflight(args.reshell)
    if problems:
        for p in problems:
            print(f"run_clients: {p}", file=sys.stderr)
        print("clients: 0 passed, 1 failed")
        return 2

    work_dir = Path(args.work_dir or tempfile.mkdtemp(prefix="reshell-clients-")).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    harness.Options.reshell = str(Path(args.reshell).resolve())
    harness.Options.work_dir = work_dir
    print(f"run_clients: {harness.Options.reshell}, work directory {work_dir}", file=sys.stderr)

    import test_clients  # noqa: E402 - after Options are set
    import test_lab  # noqa: E402
    import test_operations  # noqa: E402

    def chassis():
        return [c for c in (test_clients.CHASSIS, test_operations.CHASSIS, test_lab.LAB) if c is not None]

    # The overall deadline: a hung client must fail the run, not hold it.
    def past_deadline():
        print(f"\nrun_clients: the run took longer than {args.deadline:.0f} s; stacks:", file=sys.stderr)
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        for c in chassis():
            print(c.diagnostics(), file=sys.stderr)
            c.kill_now()
        print(f"run_clients: logs kept in {work_dir}", file=sys.stderr)
        print("clients: 0 passed, 1 failed", flush=True)
        sys.stderr.flush()
        os._exit(1)

    watchdog = threading.Timer(args.deadline, past_deadline)
    watchdog.daemon = True
    watchdog.start()

    # SIGTERM (CI stopping us) unwinds like Ctrl-C, so the chassis is stopped.
    def terminated(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [f"*{p}*" for p in args.patterns]
    suite = unittest.TestSuite(
        [
            loader.loadTestsFromModule(test_clients),
            loader.loadTestsFromModule(test_operations),
            loader.loadTestsFromModule(test_lab),
        ]
    )
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2)
    try:
        result = runner.run(suite)
    except KeyboardInterrupt:
        print(f"\nrun_clients: interrupted; logs kept in {work_dir}", file=sys.stderr)
        print("clients: 0 passed, 1 failed", flush=True)
        return 130
    finally:
        watchdog.cancel()
        for c in chassis():
            c.stop()

    # errors include a failed setUpModule, which is no test of its own
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    in_tests = len(result.failures) + len(result.unexpectedSuccesses)
    in_tests += sum(isinstance(test, unittest.TestCase) for test, _ in result.errors)
    skipped = len(result.skipped)
    passed = max(0, result.testsRun - in_tests - skipped - len(result.expectedFailures))
    if result.testsRun == 0 and not failed:
        failed = 1  # a filter that selected nothing is not a pass
        print("run_clients: no test ran", file=sys.stderr)
    ok = failed == 0
    if ok and not args.keep and not args.work_dir:
        shutil.rmtree(work_dir, ignore_errors=True)
    else:
        print(f"run_clients: logs kept in {work_dir}", file=sys.stderr)
    print(f"clients: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
