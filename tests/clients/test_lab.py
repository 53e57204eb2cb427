"""A real client drives every node of `reshell lab run` from the inventory
the lab generates: NAPALM's junos driver, as Nornir would open it from the
`--format nornir` hosts file, reads each node's facts over NETCONF.

Run through run_clients.py, which sets harness.Options and the overall deadline.
"""

import subprocess
import threading
import unittest
from pathlib import Path

import harness
from harness import PASSWORD, USER
from test_clients import OPS_TIMEOUT

LAB = None
NODES = ("r1", "r2", "r3")


def password_hash(password):
    """A SHA-512 crypt hash, made here: no credential is kept in the tree."""
    made = subprocess.run(
        ["openssl", "passwd", "-6", "-stdin"], input=password, capture_output=True, text=True, check=True
    )
    return made.stdout.strip()


class Lab:
    """`reshell lab run` of three nodes in a line, each with USER, SSH and NETCONF."""

    def __init__(self, reshell, work_dir):
        self.reshell = reshell
        self.dir = Path(work_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process = None
        self.lines = []

    def start(self, within=120):
        hashed = password_hash(PASSWORD)
        config = self.dir / "startup.conf"
        config.write_text(
            "\n".join(
                [
                    f'set system root-authentication encrypted-password "{hashed}"',
                    f"set system login user {USER} class super-user",
                    f'set system login user {USER} authentication encrypted-password "{hashed}"',
                    "set system services ssh",
                    "set system services netconf ssh",
                ]
            )
            + "\n"
        )
        nodes = "".join(f"    {n}: {{kind: linux, startup-config: startup.conf}}\n" for n in NODES)
        self.topology = self.dir / "line.clab.yml"
        self.topology.write_text(
            f"name: line\ntopology:\n  nodes:\n{nodes}  links:\n"
            '    - endpoints: ["r1:ge-0/0/0", "r2:ge-0/0/0"]\n'
            '    - endpoints: ["r2:ge-0/0/1", "r3:ge-0/0/0"]\n'
        )
        self.process = subprocess.Popen(
            [self.reshell, "lab", "run", str(self.topology), "--state-dir", str(self.dir / "state")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        ready = threading.Event()

        def read():
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))
                if line.startswith("lab line ready:"):
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(within):
            raise RuntimeError("the lab was not ready in time:\n" + self.diagnostics())

    def inventory(self, format):
        listed = subprocess.run(
            [self.reshell, "lab", "inventory", str(self.topology), "--state-dir", str(self.dir / "state")]
            + ["--format", format],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        if listed.returncode != 0:
            raise RuntimeError(f"lab inventory failed: {listed.stderr}")
        return listed.stdout

    def stop(self):
        if self.process is None:
            return
        harness.stop_group(self.process)
        self.process = None

    def kill_now(self):
        if self.process is not None:
            harness.kill_group(self.process)

    def diagnostics(self, lines=40):
        return "lab output:\n" + "\n".join(self.lines[-lines:])


def setUpModule():
    global LAB
    if not harness.Options.reshell:
        raise unittest.SkipTest("run through tests/clients/run_clients.py --reshell PATH")
    LAB = Lab(harness.Options.reshell, Path(harness.Options.work_dir) / "lab")
    unittest.addModuleCleanup(LAB.stop)
    LAB.start()


class LabInventory(unittest.TestCase):
    def test_napalm_reads_the_facts_of_every_node_from_the_nornir_inventory(self):
        import yaml
        from napalm import get_network_driver

        hosts = yaml.safe_load(LAB.inventory("nornir"))
        self.assertEqual(sorted(hosts), list(NODES))
        serials = set()
        for name, host in hosts.items():
            self.assertEqual(host["platform"], "junos")

            def facts():
                device = get_network_driver(host["platform"])(
                    host["hostname"], USER, PASSWORD, timeout=OPS_TIMEOUT, optional_args={"port": host["port"]}
                )
                device.open()
                try:
                    return device.get_facts()
                finally:
                    device.close()

            got = harness.call_within(120, facts, what=f"napalm get_facts on {name}")
            self.assertEqual(got["hostname"], name, "the node's name is its host-name")
            self.assertEqual(got["vendor"], "Juniper")
            serials.add(got["serial_number"])
        self.assertEqual(len(serials), len(NODES), "each node has a serial number of its own")
