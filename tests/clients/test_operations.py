"""The operational side of the automation clients against a real `reshell chassis`.

A chassis of its own, configured once as an edge router (addresses, a static
route, BGP, OSPF, NTP servers, users); then each client's common calls are
made and their values checked: NAPALM getters, PyEZ facts, op tables, FS and
SCP, ncclient filters and formats, Ansible's junos modules, and every
ntc-templates `juniper_junos` TextFSM template that applies to an MX.

Run through run_clients.py, which sets harness.Options and the overall deadline.
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

import harness
from harness import PASSWORD, USER, Chassis
from test_clients import OPS_TIMEOUT, ClientTest, bounded, netmiko_session

CHASSIS = None
HOST_NAME = "edge1"
PORT = "xe-0/0/0"
ADDRESS = "192.0.2.1"
PEER = "192.0.2.2"
STATIC = "198.51.100.0/24"
LOOPBACK = "10.255.0.1"
BGP_PEER = "10.255.0.2"
AS = "64500"
NTP_SERVERS = ("192.0.2.123", "192.0.2.124")

CONFIGURATION = [
    f"set system host-name {HOST_NAME}",
    *(f"set system ntp server {s}" for s in NTP_SERVERS),
    "set system login user ops uid 2001 class read-only",
    f"set interfaces {PORT} description uplink",
    f"set interfaces {PORT} unit 0 family inet address {ADDRESS}/30",
    f"set interfaces lo0 unit 0 family inet address {LOOPBACK}/32",
    f"set routing-options router-id {LOOPBACK}",
    f"set routing-options autonomous-system {AS}",
    f"set routing-options static route {STATIC} next-hop {PEER}",
    "set protocols bgp group ibgp type internal",
    f"set protocols bgp group ibgp local-address {LOOPBACK}",
    f"set protocols bgp group ibgp neighbor {BGP_PEER}",
    f"set protocols ospf area 0.0.0.0 interface {PORT}.0",
    "set protocols ospf area 0.0.0.0 interface lo0.0 passive",
    f"set protocols rsvp interface {PORT}.0",
    f"set protocols mpls interface {PORT}.0",
    f"set interfaces {PORT} unit 0 family mpls",
    "set protocols lldp interface all",
]


def setUpModule():
    global CHASSIS
    if not harness.Options.reshell:
        raise unittest.SkipTest("run through tests/clients/run_clients.py --reshell PATH")
    CHASSIS = Chassis(harness.Options.reshell, Path(harness.Options.work_dir) / "operations")
    unittest.addModuleCleanup(CHASSIS.stop)
    CHASSIS.start()
    CHASSIS.bootstrap(CONFIGURATION)
    for kind in ("ssh", "netconf"):
        probe = harness.probe_cli if kind == "ssh" else harness.probe_netconf
        harness.wait_until_serving(f"{kind} on the management address", probe, *CHASSIS.address(None, kind))


class OperationsTest(ClientTest):
    def chassis(self):
        return CHASSIS


def napalm_device():
    from napalm import get_network_driver

    host, port = CHASSIS.address(None, "netconf")
    device = get_network_driver("junos")(host, USER, PASSWORD, timeout=OPS_TIMEOUT, optional_args={"port": port})
    device.open()
    return device


def pyez_device():
    from jnpr.junos import Device

    host, port = CHASSIS.address(None, "netconf")
    device = Device(host=host, port=port, user=USER, passwd=PASSWORD, conn_open_timeout=30)
    device.open()
    device.timeout = OPS_TIMEOUT
    return device


class Napalm(OperationsTest):
    @classmethod
    def setUpClass(cls):
        cls.device = harness.call_within(120, napalm_device, what="napalm open")

    @classmethod
    def tearDownClass(cls):
        harness.call_within(30, cls.device.close, what="napalm close")

    def setUp(self):
        super().setUp()
        self.python_log("ncclient", "napalm-ncclient.log")

    @bounded(60)
    def test_get_facts(self):
        facts = self.device.get_facts()
        self.assertEqual(facts["hostname"], HOST_NAME, facts)
        self.assertEqual(facts["vendor"], "Juniper", facts)
        self.assertEqual(facts["model"], "MX480", facts)
        self.assertTrue(facts["serial_number"], facts)
        self.assertTrue(facts["os_version"], facts)
        self.assertGreater(facts["uptime"], 0, facts)
        self.assertIn(PORT, facts["interface_list"], facts)
        self.assertIn("lo0", facts["interface_list"], facts)

    @bounded(60)
    def test_get_interfaces(self):
        interfaces = self.device.get_interfaces()
        port = interfaces[PORT]
        self.assertTrue(port["is_enabled"], port)
        self.assertTrue(port["is_up"], port)
        self.assertEqual(port["description"], "uplink", port)
        self.assertRegex(port["mac_address"], r"^([0-9A-F]{2}:){5}[0-9A-F]{2}$", port)
        self.assertGreater(port["speed"], 0, port)
        self.assertIn("lo0", interfaces)

    @bounded(60)
    def test_get_interfaces_ip(self):
        addresses = self.device.get_interfaces_ip()
        self.assertEqual(addresses[f"{PORT}.0"]["ipv4"], {ADDRESS: {"prefix_length": 30}}, addresses)
        self.assertEqual(addresses["lo0.0"]["ipv4"], {LOOPBACK: {"prefix_length": 32}}, addresses)

    @bounded(60)
    def test_get_interfaces_counters(self):
        counters = self.device.get_interfaces_counters()
        port = counters[PORT]
        for field in ("tx_octets", "rx_octets", "tx_unicast_packets", "rx_unicast_packets", "rx_errors"):
            self.assertIsInstance(port[field], int, (field, port))
        self.assertGreaterEqual(port["rx_octets"], 0, port)

    @bounded(60)
    def test_get_environment(self):
        environment = self.device.get_environment()
        self.assertTrue(environment["temperature"], environment)
        self.assertTrue(environment["power"], environment)
        self.assertTrue(environment["fans"], environment)
        self.assertGreater(environment["memory"]["available_ram"], 0, environment)
        self.assertTrue(environment["cpu"], environment)

    @bounded(60)
    def test_get_arp_table(self):
        table = self.device.get_arp_table()
        self.assertIsInstance(table, list)
        for entry in table:
            self.assertEqual(set(entry) >= {"interface", "mac", "ip", "age"}, True, entry)

    @bounded(60)
    def test_get_lldp_neighbors(self):
        self.assertEqual(self.device.get_lldp_neighbors(), {})

    @bounded(60)
    def test_get_bgp_neighbors(self):
        neighbors = self.device.get_bgp_neighbors()
        peer = neighbors["global"]["peers"][BGP_PEER]
        self.assertFalse(peer["is_up"], peer)
        self.assertEqual(peer["remote_as"], int(AS), peer)
        self.assertEqual(neighbors["global"]["router_id"], LOOPBACK, neighbors)

    @bounded(60)
    def test_get_route_to(self):
        routes = self.device.get_route_to(STATIC)
        (route,) = routes[STATIC]
        self.assertEqual(route["protocol"], "Static", route)
        self.assertEqual(route["next_hop"], PEER, route)
        self.assertTrue(route["current_active"], route)

    @bounded(60)
    def test_get_ntp_servers(self):
        self.assertEqual(self.device.get_ntp_servers(), {s: {} for s in NTP_SERVERS})

    @bounded(60)
    def test_get_users(self):
        users = self.device.get_users()
        self.assertEqual(users[USER]["level"], 15, users)
        self.assertEqual(users["ops"]["level"], 1, users)

    @bounded(60)
    def test_get_config(self):
        config = self.device.get_config()
        self.assertIn(f"host-name {HOST_NAME};", config["running"], config)
        # the same configuration, under `## Last changed:` and `## Last commit:` headers
        def body(text):
            return [line for line in text.splitlines() if not line.startswith("## Last ")]

        self.assertEqual(body(config["candidate"]), body(config["running"]))

    @bounded(120)
    def test_commit_confirm(self):
        self.device.load_merge_candidate(config="set system location building napalm")
        self.assertIn("building napalm", self.device.compare_config())
        self.device.commit_config(message="napalm confirm", revert_in=300)
        self.assertTrue(self.device.has_pending_commit())
        self.device.confirm_commit()
        self.assertFalse(self.device.has_pending_commit())
        self.assertIn("set system location building napalm", CHASSIS.committed(0))

    @bounded(60)
    def test_cli(self):
        output = self.device.cli(["show version"])
        self.assertIn(f"Hostname: {HOST_NAME}", output["show version"], output)


class PyEZ(OperationsTest):
    @classmethod
    def setUpClass(cls):
        cls.device = harness.call_within(120, pyez_device, what="pyez open")

    @classmethod
    def tearDownClass(cls):
        harness.call_within(30, cls.device.close, what="pyez close")

    def setUp(self):
        super().setUp()
        self.python_log("ncclient", "pyez-ncclient.log")

    @bounded(60)
    def test_facts(self):
        facts = self.device.facts
        self.assertIs(facts["2RE"], True, facts)
        self.assertEqual(facts["master"], "RE0", facts)
        self.assertEqual(facts["re_master"], {"default": "0"}, facts)
        self.assertEqual(facts["hostname"], HOST_NAME, facts)
        self.assertEqual(facts["model"], "MX480", facts)
        self.assertEqual(facts["personality"], "MX", facts)
        self.assertEqual(facts["switch_style"], "BRIDGE_DOMAIN", facts)
        self.assertTrue(facts["version_RE0"], facts)
        self.assertEqual(facts["version_RE0"], facts["version_RE1"], facts)
        self.assertEqual(facts["RE1"]["mastership_state"], "backup", facts)

    @bounded(60)
    def test_route_table(self):
        from jnpr.junos.op.routes import RouteTable

        routes = RouteTable(self.device).get()
        self.assertEqual(routes[STATIC].protocol, "Static", routes.keys())
        self.assertEqual(routes[STATIC].via, PORT + ".0", dict(routes[STATIC].items()))
        self.assertIn(f"{ADDRESS}/32", routes.keys())

    @bounded(60)
    def test_port_tables(self):
        from jnpr.junos.op.ethport import EthPortTable
        from jnpr.junos.op.phyport import PhyPortTable

        ports = PhyPortTable(self.device).get()
        self.assertEqual(ports[PORT].oper, "up", dict(ports[PORT].items()))
        self.assertEqual(ports[PORT].description, "uplink", dict(ports[PORT].items()))
        self.assertRegex(ports[PORT].macaddr, r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
        ethernet = EthPortTable(self.device).get()
        self.assertIn(PORT, ethernet.keys())
        self.assertGreaterEqual(int(ethernet[PORT].rx_bytes), 0)

    @bounded(60)
    def test_arp_and_lldp_tables(self):
        from jnpr.junos.op.arp import ArpTable
        from jnpr.junos.op.lldp import LLDPNeighborTable

        for entry in ArpTable(self.device).get():
            self.assertTrue(entry.mac_address and entry.ip_address and entry.interface_name, dict(entry.items()))
        self.assertEqual(len(LLDPNeighborTable(self.device).get()), 0)

    @bounded(60)
    def test_fpc_hardware_table(self):
        from jnpr.junos.op.fpc import FpcHwTable

        fpcs = FpcHwTable(self.device).get()
        self.assertIn("FPC 0", fpcs.keys())
        self.assertTrue(fpcs["FPC 0"].sn, dict(fpcs["FPC 0"].items()))

    @bounded(90)
    def test_file_system_and_scp(self):
        from jnpr.junos.utils.fs import FS
        from jnpr.junos.utils.scp import SCP

        with tempfile.TemporaryDirectory() as local:
            source = Path(local) / "notes.txt"
            source.write_text("from the automation host\n")
            with SCP(self.device) as scp:
                scp.put(str(source), remote_path="/var/tmp/notes.txt")
            fs = FS(self.device)
            self.assertEqual(fs.cat("/var/tmp/notes.txt"), "from the automation host\n")
            self.assertIn("notes.txt", fs.ls("/var/tmp")["files"])
            back = Path(local) / "back.txt"
            with SCP(self.device) as scp:
                scp.get("/var/tmp/notes.txt", local_path=str(back))
            self.assertEqual(back.read_text(), "from the automation host\n")
            self.assertTrue(fs.rm("/var/tmp/notes.txt"))


class Ncclient(OperationsTest):
    def connect(self):
        from ncclient import manager

        host, port = CHASSIS.address(None, "netconf")
        m = manager.connect(
            host=host,
            port=port,
            username=USER,
            password=PASSWORD,
            hostkey_verify=False,
            device_params={"name": "junos"},
            timeout=30,
        )
        m.timeout = OPS_TIMEOUT
        return m

    @bounded(60)
    def test_subtree_filters(self):
        self.python_log("ncclient", "ncclient-filters.log")
        with self.connect() as m:
            reply = m.get_config(source="running", filter=("subtree", "<configuration><system><host-name/></system></configuration>"))
            root = harness.xml_root(reply)
            self.assertEqual([harness.local_name(e.tag) for e in harness.elements(root, "configuration")[0]], ["system"])
            self.assertEqual(harness.child_text(harness.elements(root, "system")[0], "host-name"), HOST_NAME)

            reply = m.get_config(source="running", filter=("subtree", "<configuration><snmp/></configuration>"))
            (configuration,) = harness.elements(harness.xml_root(reply), "configuration")
            self.assertEqual(len(configuration), 0, "a filter that matches nothing returns an empty configuration")

    @bounded(60)
    def test_formats(self):
        self.python_log("ncclient", "ncclient-formats.log")
        with self.connect() as m:
            reply = m.rpc(f'<get-configuration format="text"/>')
            self.assertIn(f"host-name {HOST_NAME};", harness.elements(harness.xml_root(reply), "configuration-text")[0].text)
            reply = m.rpc('<get-software-information format="json"/>')
            text = harness.xml_root(reply).text or ""
            data = json.loads(text)
            self.assertEqual(data["software-information"][0]["host-name"][0]["data"], HOST_NAME)
            reply = m.rpc('<get-software-information format="text"/>')
            (output,) = harness.elements(harness.xml_root(reply), "output")
            self.assertIn(f"Hostname: {HOST_NAME}", output.text)


ANSIBLE_PLAYBOOK = """\
- hosts: routers
  gather_facts: false
  connection: ansible.netcommon.netconf
  tasks:
    - name: facts
      junipernetworks.junos.junos_facts:
        gather_subset: [hardware, interfaces]
      register: facts
    - name: show version
      junipernetworks.junos.junos_command:
        commands: ["show version"]
      register: version
    - name: get-software-information as JSON
      junipernetworks.junos.junos_command:
        commands: ["show version"]
        display: json
      register: version_json
    - name: an RPC
      junipernetworks.junos.junos_rpc:
        rpc: get-route-engine-information
      register: engines
    - name: configuration
      junipernetworks.junos.junos_config:
        lines: ["set interfaces ge-0/0/9 description ansible"]
        comment: from ansible
      register: config
    - name: the results
      ansible.builtin.copy:
        dest: "{{ results }}"
        content: "{{ {'facts': facts, 'version': version, 'version_json': version_json, 'engines': engines, 'config': config} | to_json }}"
      delegate_to: localhost
"""


class Ansible(OperationsTest):
    @bounded(240)
    def test_junos_modules(self):
        bin_dir = Path(sys.executable).parent
        playbook_bin = bin_dir / "ansible-playbook"
        if not playbook_bin.exists():
            self.fail(f"no ansible-playbook beside {sys.executable}: pip install -r tests/clients/requirements.txt")
        host, port = CHASSIS.address(None, "netconf")
        work = Path(harness.Options.work_dir) / "ansible"
        work.mkdir(parents=True, exist_ok=True)
        (work / "inventory.ini").write_text(
            textwrap.dedent(
                f"""\
                [routers]
                {HOST_NAME} ansible_host={host} ansible_port={port}

                [routers:vars]
                ansible_user={USER}
                ansible_password={PASSWORD}
                ansible_network_os=junipernetworks.junos.junos
                ansible_python_interpreter={sys.executable}
                """
            )
        )
        (work / "site.yml").write_text(ANSIBLE_PLAYBOOK)
        results = work / "results.json"
        env = dict(
            os.environ,
            ANSIBLE_HOST_KEY_CHECKING="False",
            ANSIBLE_LOCAL_TEMP=str(work / "tmp"),
            ANSIBLE_HOME=str(work / "home"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_PERSISTENT_COMMAND_TIMEOUT=str(OPS_TIMEOUT),
        )
        run = subprocess.run(
            [str(playbook_bin), "-i", str(work / "inventory.ini"), str(work / "site.yml"), "-e", f"results={results}"],
            capture_output=True,
            cwd=work,
            env=env,
            timeout=200,
            check=False,
        )
        log = run.stdout.decode(errors="replace") + run.stderr.decode(errors="replace")
        self.assertEqual(run.returncode, 0, log)
        got = json.loads(results.read_text())
        facts = got["facts"]["ansible_facts"]
        self.assertEqual(facts["ansible_net_hostname"], HOST_NAME, facts)
        self.assertEqual(facts["ansible_net_model"], "mx480", facts)
        self.assertIn(PORT, facts["ansible_net_interfaces"], facts)
        self.assertIn(f"Hostname: {HOST_NAME}", got["version"]["stdout"][0])
        self.assertEqual(
            got["version_json"]["stdout"][0]["software-information"][0]["host-name"][0]["data"], HOST_NAME
        )
        self.assertIn("route-engine-information", got["engines"]["xml"])
        self.assertTrue(got["config"]["changed"], got["config"])
        self.assertIn("set interfaces ge-0/0/9 description ansible", CHASSIS.committed(0))


# The ntc-templates `juniper_junos` templates that apply to an MX (not the SRX
# cluster or the EX switching ones): the command, the fields each row must
# fill, and a row that must be there (None where a lone router with its links
# down has no row to show: no neighbour, no adjacency, no bundle).
TEMPLATES = [
    ("show version", ["HOSTNAME", "MODEL", "JUNOS_VERSION"], {"HOSTNAME": HOST_NAME, "MODEL": "mx480"}),
    ("show system uptime", ["TIME", "BOOT_TIME", "PROTOCOLS_TIME", "LAST_CONFIG_TIME"], None),
    # one port: the template has no rule for the `Local:` line of a /32 (lo0), as Junos prints it
    # (its logical interfaces' rows have no admin state)
    (f"show interfaces {PORT}", ["INTERFACE", "LINK_STATUS"], {"INTERFACE": PORT, "DESCRIPTION": "uplink"}),
    # one row per kind of module, each filling its own fields
    ("show chassis hardware", [], {"CHASSIS_DESCRIPTION": "MX480"}),
    ("show chassis firmware", ["PART", "TYPE", "VERSION"], None),
    ("show route summary", ["TABLE_NAME", "ROUTES"], {"TABLE_NAME": "inet.0"}),
    # the template records a peer at its RIB line, which only an established one has
    ("show bgp summary", ["PEER_IP", "PEER_AS", "STATE"], None),
    ("show system processes summary", ["MEMORY_ACTIVE", "MEMORY_FREE"], None),
    ("show system processes brief", ["TASK_TOTAL", "CPU_IDLE"], None),
    ("show system configuration database usage", ["MAX_DB_SIZE", "CURR_DB_SIZE"], None),
    ("show arp no-resolve", ["MAC_ADDRESS", "IP_ADDRESS", "INTERFACE"], None),
    ("show lldp neighbors", [], None),
    ("show ospf neighbor", [], None),
    ("show isis adjacency", [], None),
    ("show lacp interfaces", [], None),
    ("show rsvp interface", ["INTERFACE", "OPER_STATE"], None),
]


class TextFSM(OperationsTest):
    """Junos text as scripts parse it: each command's output over SSH (netmiko)
    through its ntc-templates TextFSM template."""

    @bounded(240)
    def test_templates(self):
        from ntc_templates.parse import parse_output

        session = netmiko_session(CHASSIS.address(None, "ssh"), self.log_file("textfsm-netmiko.log"), 30)
        try:
            failures = []
            for command, fields, wanted in TEMPLATES:
                output = session.send_command(command, read_timeout=OPS_TIMEOUT)
                if "syntax error" in output or "error:" in output:
                    failures.append(f"{command}: refused: {output.strip()[:200]!r}")
                    continue
                try:
                    rows = parse_output(platform="juniper_junos", command=command, data=output)
                except Exception as e:  # noqa: BLE001 - a template that fails is reported with the rest
                    failures.append(f"{command}: {type(e).__name__}: {str(e)[:200]}")
                    continue
                rows = [{k.upper(): v for k, v in row.items()} for row in rows]
                if wanted is not None and not rows:
                    failures.append(f"{command}: no rows from {output[:300]!r}")
                for field in fields:
                    if not all(row.get(field) for row in rows):
                        failures.append(f"{command}: empty {field} in {rows[:3]}")
                if wanted and not any(all(row.get(k) == v for k, v in wanted.items()) for row in rows):
                    failures.append(f"{command}: no row with {wanted} in {rows[:5]}")
            self.assertEqual(failures, [], "\n".join(failures))
        finally:
            session.disconnect()


class Switchover(OperationsTest):
    """Facts on the backup's own address, and on the management address after
    a switchover; runs last, since it moves mastership to re1."""

    @bounded(180)
    def test_facts_on_the_backup_and_after_a_switchover(self):
        from jnpr.junos import Device

        self.python_log("ncclient", "switchover-ncclient.log")
        host, port = CHASSIS.address("re1", "netconf")
        with Device(host=host, port=port, user=USER, passwd=PASSWORD, conn_open_timeout=30) as dev:
            facts = dev.facts
            self.assertEqual((facts["master"], facts["RE1"]["mastership_state"]), ("RE0", "backup"), facts)
            self.assertEqual(facts["switch_style"], "BRIDGE_DOMAIN", facts)

        CHASSIS.shell(["request chassis routing-engine master switch no-confirm"], slot=0, yes=True)
        harness.eventually(
            "re1 master",
            lambda: harness.routing_engine_states(CHASSIS.shell(["show chassis routing-engine"], slot=1)).get(1)
            == "Master"
            or None,
            within=60,
        )
        device = harness.eventually("NAPALM on the new master", napalm_device, within=60, every=1)
        try:
            facts = device.get_facts()
            self.assertEqual((facts["hostname"], facts["model"]), (HOST_NAME, "MX480"), facts)
        finally:
            device.close()
        with pyez_device() as dev:
            facts = dev.facts
            self.assertEqual(facts["master"], "RE1", facts)
            self.assertEqual(facts["re_master"], {"default": "1"}, facts)
            self.assertEqual(facts["RE0"]["mastership_state"], "backup", facts)


def load_tests(loader, standard_tests, pattern):
    suite = unittest.TestSuite()
    for case in (Napalm, PyEZ, Ncclient, Ansible, TextFSM, Switchover):
        for name in sorted(loader.getTestCaseNames(case)):
            suite.addTest(case(name))
    return suite
