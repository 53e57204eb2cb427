#!/usr/bin/env python3
"""What the automation clients wait for: login to first prompt, one command
over the CLI, one NETCONF RPC, on an RE's own address and through the
management address; and the same round trips over a bare SSH channel
(paramiko), which is what the server takes, without the clients' own
polling. Prints `name value unit`, as benches/e2e.rs does.

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
import paramiko  # noqa: E402
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


class Bare:
    """A paramiko channel, read up to a marker."""

    def __init__(self, address, subsystem):
        self.transport = paramiko.Transport(address)
        self.transport.connect(username=harness.USER, password=harness.PASSWORD)
        self.channel = self.transport.open_session()
        if subsystem:
            self.channel.invoke_subsystem(subsystem)
        else:
            self.channel.get_pty(width=511, height=1000)
            self.channel.invoke_shell()
        self.buffer = b""

    def until(self, marker):
        while marker not in self.buffer:
            self.buffer += self.channel.recv(65536)
        end = self.buffer.index(marker) + len(marker)
        self.buffer = self.buffer[end:]

    def close(self):
        self.transport.close()


def bare_rounds(address, count):
    """Milliseconds of a CLI command and of a NETCONF RPC, each to its end."""
    cli = Bare(address("ssh"), None)
    cli.until(b"> ")
    commands = timed(lambda: (cli.channel.sendall(b"show version\n"), cli.until(b"> ")), count)
    cli.close()
    netconf = Bare(address("netconf"), "netconf")
    netconf.until(b"]]>]]>")
    base = b"<capability>urn:ietf:params:netconf:base:1.0</capability>"
    netconf.channel.sendall(b'<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities>' + base)
    netconf.channel.sendall(b"</capabilities></hello>]]>]]>")
    rpc = b"<rpc message-id='1'><get-route-engine-information/></rpc>]]>]]>"
    rpcs = timed(lambda: (netconf.channel.sendall(rpc), netconf.until(b"]]>]]>")), count)
    netconf.close()
    return commands, rpcs


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
                    "set system root-authentication plain-text-password",
                    harness.PASSWORD,
                    harness.PASSWORD,
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
                commands, rpcs = bare_rounds(lambda kind: chassis.address(re_, kind), args.count)
                report(f"bare_cli_show_version_{where}", commands)
                report(f"bare_netconf_route_engine_information_{where}", rpcs)
        finally:
            chassis.stop()


if __name__ == "__main__":
    main()
