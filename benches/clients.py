#!/usr/bin/env python3
"""What the automation clients wait for: login to first prompt, one command
over the CLI, one NETCONF RPC, on an RE's own address and through the
management address. Prints `name value unit`, as benches/e2e.rs does.

    target/clients-venv/bin/python benches/clients.py --reshell target/release/reshell [--count N]

Needs the clients of tests/clients/requirements.txt (.ci/run installs them).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "clients"))

import harness  # noqa: E402
from ncclient import manager  # noqa: E402
from netmiko import ConnectHandler  # noqa: E402


def timed(fn, count):
    """Milliseconds each of `count` calls took."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name, times):
    times = sorted(times)
    print(f"{name}_p50 {statistics.median(times):.2f} ms")
    print(f"{name}_p99 {times[min(len(times) - 1, int(len(times) * 0.99))]:.2f} ms")


def netmiko(address):
    host, port = address
    return ConnectHandler(
        device_type="juniper_junos", host=host, port=port, username=harness.USER, password=harness.PASSWORD
    )


def netconf(address):
    host, port = address
    return manager.connect(
        host=host,
        port=port,
        username=harness.USER,
        password=harness.PASSWORD,
        hostkey_verify=False,
        look_for_keys=False,
        allow_agent=False,
        device_params={"name": "junos"},
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reshell", required=True)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        chassis = harness.Chassis(args.reshell, Path(work))
        chassis.start()
        try:
            chassis.configure(
                [
                    f"set system login user {harness.USER} class super-user",
                    f"set system login user {harness.USER} authentication plain-text-password",
                    harness.PASSWORD,
                    harness.PASSWORD,
                    "set system services ssh",
                    "set system services netconf ssh",
                ],
                user=None,
                typed=True,
            )
            for where, re_ in [("re0", "re0"), ("management", None)]:
                harness.wait_until_serving(where, harness.probe_cli, *chassis.address(re_, "ssh"))
                harness.wait_until_serving(where, harness.probe_netconf, *chassis.address(re_, "netconf"))
                logins = timed(lambda: netmiko(chassis.address(re_, "ssh")).disconnect(), 5)
                report(f"netmiko_login_{where}", logins)
                session = netmiko(chassis.address(re_, "ssh"))
                report(
                    f"netmiko_show_version_{where}",
                    timed(lambda: session.send_command("show version"), args.count),
                )
                session.disconnect()
                rpc = netconf(chassis.address(re_, "netconf"))
                report(
                    f"netconf_route_engine_information_{where}",
                    timed(lambda: rpc.rpc("<get-route-engine-information/>"), args.count),
                )
                rpc.close_session()
        finally:
            chassis.stop()


if __name__ == "__main__":
    main()
