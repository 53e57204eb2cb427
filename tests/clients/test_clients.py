"""Real automation clients against a real `reshell chassis`.

One chassis serves the whole module: users and services are configured once
with the reshell shell, then each client logs in as `lab`, reads the
Routing Engines' roles, changes the configuration (each client its own
interface, never the host name), commits with synchronize, and leaves; the
result is read back from each RE with the shell. The failover test, which
halts re0, runs last.

Run through run_clients.py, which sets harness.Options and the overall deadline.
"""

import functools
import logging
import re
import sys
import time
import unittest

import harness
from harness import (
    PASSWORD,
    USER,
    Chassis,
    call_within,
    commit_results,
    eventually,
    netconf_routing_engine_states,
    routing_engine_states,
)

CHASSIS = None
ROLES = {0: "Master", 1: "Backup"}
NETCONF_ROLES = {0: "master", 1: "backup"}
# Generous per-operation timeouts given to the clients; the per-test bound
# below is what turns a hang into a failure.
OPS_TIMEOUT = 60
KEEPALIVE_TIME = 3  # seconds; the backup takes over this long after the last keepalive


def setUpModule():
    global CHASSIS
    if not harness.Options.reshell:
        raise unittest.SkipTest("run through tests/clients/run_clients.py --reshell PATH")
    CHASSIS = Chassis(harness.Options.reshell, harness.Options.work_dir)
    unittest.addModuleCleanup(CHASSIS.stop)
    CHASSIS.start()
    CHASSIS.bootstrap()


_SERVING = {}


def serving(re_, kind):
    """(host, port) of the service once it accepts `lab` (a CLI prompt, or a
    NETCONF hello), waiting for that the first time it is asked for; a
    service that never did fails every later test at once."""
    key = (re_, kind)
    if key not in _SERVING:
        name = f"{'SSH' if kind == 'ssh' else 'NETCONF'} on {re_ or 'the management address'}"
        probe = harness.probe_cli if kind == "ssh" else harness.probe_netconf
        try:
            harness.wait_until_serving(name, probe, *CHASSIS.address(re_, kind))
            _SERVING[key] = None
        except Exception as e:  # noqa: BLE001 - remembered for the next test
            _SERVING[key] = e
    if _SERVING[key] is not None:
        raise AssertionError(f"not serving: {_SERVING[key]}")
    return CHASSIS.address(re_, kind)


def bounded(seconds):
    """Runs the test on a worker thread and fails it if it has not finished
    within `seconds`; on any failure prints the logs the test attached."""

    def wrap(test):
        @functools.wraps(test)
        def run(self):
            try:
                call_within(seconds, test, self, what=test.__name__)
            except BaseException:
                self.dump_logs()
                raise

        return run

    return wrap


def quietly(fn, *args, **kwargs):
    """Best-effort cleanup after a failure: errors are not the test's result."""
    try:
        call_within(30, fn, *args, **kwargs)
    except Exception:  # noqa: BLE001
        pass


def netmiko_session(address, log_file, timeout):
    """A netmiko session as `lab`, logged to `log_file`."""
    from netmiko import ConnectHandler

    host, port = address
    return ConnectHandler(
        device_type="juniper_junos",
        host=host,
        port=port,
        username=USER,
        password=PASSWORD,
        conn_timeout=timeout,
        auth_timeout=timeout,
        banner_timeout=timeout,
        session_log=str(log_file),
    )


def scrapli_options(host, port, channel_log):
    """What scrapli's drivers (CLI and NETCONF) are given: `lab`, OpenSSH, any host key."""
    return dict(
        host=host,
        port=port,
        auth_username=USER,
        auth_password=PASSWORD,
        auth_strict_key=False,
        transport="system",
        timeout_socket=20,
        timeout_transport=OPS_TIMEOUT,
        timeout_ops=OPS_TIMEOUT,
        channel_log=str(channel_log),
    )


def statement(n, client, sync=False):
    """A statement of this client's own: an interface description."""
    if sync:
        return f"set interfaces ge-0/0/{n} unit 0 description {client}-sync"
    return f"set interfaces ge-0/0/{n} description {client}"


class ClientTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.logs = []
        self.log_dir = harness.Options.work_dir / "logs" / self._testMethodName
        self.log_dir.mkdir(parents=True, exist_ok=True)

    def log_file(self, name):
        path = self.log_dir / name
        self.logs.append(path)
        return path

    def python_log(self, logger_name, file_name):
        """DEBUG records of a client library's logger to a file of this test."""
        handler = logging.FileHandler(self.log_file(file_name))
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger = logging.getLogger(logger_name)
        logger.addHandler(handler)
        old_level = logger.level
        logger.setLevel(logging.DEBUG)

        def remove():
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            handler.close()

        self.addCleanup(remove)

    def chassis(self):
        """The chassis this test drives, for the diagnostics of a failure."""
        return CHASSIS

    def dump_logs(self, chars=6000):
        out = [f"\n===== {self.id()}: logs in {self.log_dir}"]
        for path in self.logs:
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            out.append(f"--- {path.name} (last {chars} characters)\n{text[-chars:]}")
        if self.chassis() is not None:
            out.append(self.chassis().diagnostics())
        print("\n".join(out), file=sys.stderr, flush=True)

    # ---- checks

    def assert_committed(self, statements, on=(0, 1), absent_on=()):
        for slot in on:
            committed = CHASSIS.committed(slot)
            for s in statements:
                self.assertIn(s, committed, f"re{slot}'s committed configuration lacks {s!r}")
        for slot in absent_on:
            committed = CHASSIS.committed(slot)
            for s in statements:
                self.assertNotIn(s, committed, f"re{slot} has {s!r}, which was committed without synchronize")

    def assert_synchronized_commit(self, output):
        """The CLI's `commit synchronize` layout: both REs, `commit complete`, no error."""
        self.assertIn("re0:", output)
        self.assertIn("re1:", output)
        self.assertGreaterEqual(output.count("commit complete"), 2, output)
        self.assertNotRegex(output, r"(?m)^\s*error:", output)

    def assert_netconf_synchronized(self, reply):
        results = commit_results(reply)
        succeeded = {name for name, marks in results if "commit-success" in marks}
        self.assertEqual(succeeded, {"re0", "re1"}, f"commit-results: {results}")


class Clients(ClientTest):
    """Each client once, against a chassis whose master is re0."""

    # ---------------------------------------------------------------- netmiko

    def netmiko(self, re_, log_name):
        return netmiko_session(serving(re_, "ssh"), self.log_file(log_name), timeout=20)

    @bounded(240)
    def test_1_netmiko(self):
        first, second = statement(1, "netmiko"), statement(1, "netmiko", sync=True)
        conn = self.netmiko("re0", "netmiko.log")
        try:
            prompt = conn.find_prompt()
            self.assertRegex(prompt, rf"^{USER}@[\w\-.]+>$")
            output = conn.send_command("show chassis routing-engine", read_timeout=OPS_TIMEOUT)
            self.assertEqual(routing_engine_states(output), ROLES, output)

            conn.config_mode()
            self.assertTrue(conn.check_config_mode())
            conn.send_config_set([first], exit_config_mode=False, read_timeout=OPS_TIMEOUT)
            output = conn.commit(read_timeout=OPS_TIMEOUT)
            self.assertIn("commit complete", output)
            self.assert_committed([first], on=(0,), absent_on=(1,))

            # netmiko has no synchronize option: the command itself.
            conn.send_config_set([second], exit_config_mode=False, read_timeout=OPS_TIMEOUT)
            output = conn.send_command(
                "commit synchronize",
                expect_string=rf"{re.escape(conn.base_prompt)}[#>]\s*$",
                strip_prompt=False,
                strip_command=False,
                read_timeout=OPS_TIMEOUT,
            )
            self.assert_synchronized_commit(output)
            self.assert_committed([first, second])

            conn.exit_config_mode()
            self.assertFalse(conn.check_config_mode())
        finally:
            conn.disconnect()

    @bounded(120)
    def test_2_netmiko_on_the_backup(self):
        conn = self.netmiko("re1", "netmiko-backup.log")
        try:
            output = conn.send_command(
                "show chassis routing-engine", strip_prompt=False, read_timeout=OPS_TIMEOUT
            )
            self.assertEqual(routing_engine_states(output), ROLES, output)
            self.assertRegex(
                output, rf"\{{backup(:\d+)?\}}[ \t]*\n[^\n]*{re.escape(conn.base_prompt)}>\s*$", output
            )
        finally:
            conn.disconnect()

    # ---------------------------------------------------------------- scrapli

    @bounded(240)
    def test_3_scrapli(self):
        from scrapli.driver.core import JunosDriver

        host, port = serving(None, "ssh")  # the management address: re0 is master
        stmt = statement(2, "scrapli")
        conn = JunosDriver(**scrapli_options(host, port, self.log_file("scrapli-channel.log")))
        self.python_log("scrapli", "scrapli.log")
        conn.open()
        try:
            self.assertRegex(conn.get_prompt().strip().splitlines()[-1], rf"^{USER}@[\w\-.]+>$")
            response = conn.send_command("show chassis routing-engine")
            self.assertFalse(response.failed, response.result)
            self.assertEqual(routing_engine_states(response.result), ROLES, response.result)

            conn.acquire_priv("configuration")
            self.assertRegex(conn.get_prompt().strip().splitlines()[-1], rf"^{USER}@[\w\-.]+#$")
            responses = conn.send_configs([stmt, "commit synchronize"], stop_on_failed=True)
            self.assertFalse(responses.failed, "\n".join(r.result for r in responses))
            self.assert_synchronized_commit(responses[-1].result)
            self.assert_committed([stmt])

            conn.acquire_priv("exec")
            self.assertRegex(conn.get_prompt().strip().splitlines()[-1], rf"^{USER}@[\w\-.]+>$")
        finally:
            conn.close()

    # -------------------------------------------------------- scrapli_netconf

    @bounded(240)
    def test_4_scrapli_netconf(self):
        from scrapli_netconf.driver import NetconfDriver

        host, port = serving("re0", "netconf")
        conn = NetconfDriver(
            strip_namespaces=True, **scrapli_options(host, port, self.log_file("scrapli-netconf-channel.log"))
        )
        self.python_log("scrapli_netconf", "scrapli-netconf.log")
        self.python_log("scrapli", "scrapli.log")

        def ok(response):
            self.assertFalse(response.failed, response.result)
            return response

        def description(unit, text):
            inner = f"<description>{text}</description>"
            if unit is not None:
                inner = f"<unit><name>{unit}</name>{inner}</unit>"
            return (
                "<config><configuration><interfaces><interface><name>ge-0/0/3</name>"
                f"{inner}</interface></interfaces></configuration></config>"
            )

        conn.open()
        try:
            response = ok(conn.rpc(filter_="<get-route-engine-information/>"))
            self.assertEqual(netconf_routing_engine_states(response.xml_result), NETCONF_ROLES, response.result)

            ok(conn.lock(target="candidate"))
            try:
                # RFC 6241 edit-config + commit: this RE only.
                ok(conn.edit_config(config=description(None, "scrapli-netconf"), target="candidate"))
                ok(conn.commit())
                first = statement(3, "scrapli-netconf")
                self.assert_committed([first], on=(0,), absent_on=(1,))
                # Junos's commit-configuration with synchronize: both.
                ok(conn.edit_config(config=description(0, "scrapli-netconf-sync"), target="candidate"))
                response = ok(conn.rpc(filter_="<commit-configuration><synchronize/></commit-configuration>"))
                self.assert_netconf_synchronized(response.xml_result)
                self.assert_committed([first, statement(3, "scrapli-netconf", sync=True)])
            except BaseException:
                quietly(conn.discard)  # leave the shared candidate clean for the next test
                quietly(conn.unlock, target="candidate")
                raise
            ok(conn.unlock(target="candidate"))
        finally:
            conn.close()

    # ------------------------------------------------------------------- PyEZ

    @bounded(240)
    def test_5_pyez(self):
        from jnpr.junos import Device
        from jnpr.junos.utils.config import Config

        host, port = serving(None, "netconf")  # the management address
        stmt = statement(4, "pyez")
        self.python_log("ncclient", "ncclient.log")
        self.python_log("jnpr", "pyez.log")
        dev = Device(host=host, port=port, user=USER, passwd=PASSWORD, conn_open_timeout=30)
        dev.open()
        try:
            dev.timeout = OPS_TIMEOUT
            facts = {name: dev.facts[name] for name in ("2RE", "master", "RE0", "RE1")}
            self.assertIs(facts.get("2RE"), True, facts)
            self.assertEqual(facts.get("master"), "RE0", facts)
            self.assertEqual((facts.get("RE0") or {}).get("mastership_state"), "master", facts)
            self.assertEqual((facts.get("RE1") or {}).get("mastership_state"), "backup", facts)

            reply = dev.rpc.get_route_engine_information()
            self.assertEqual(netconf_routing_engine_states(reply), NETCONF_ROLES)

            cu = Config(dev)
            cu.lock()
            try:
                cu.load(stmt, format="set")
                self.assertTrue(cu.commit(sync=True, timeout=OPS_TIMEOUT))
            except BaseException:
                quietly(cu.rollback)  # leave the shared candidate clean for the next test
                quietly(cu.unlock)
                raise
            cu.unlock()
            self.assert_committed([stmt])
        finally:
            dev.close()

    # --------------------------------------------------------------- ncclient

    @bounded(240)
    def test_6_ncclient(self):
        from ncclient import manager

        stmt = statement(5, "ncclient")
        self.python_log("ncclient", "ncclient.log")

        def connect(re_):
            host, port = serving(re_, "netconf")
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

        with connect("re0") as m:
            reply = m.rpc("<get-route-engine-information/>")
            self.assertEqual(netconf_routing_engine_states(reply), NETCONF_ROLES)
            m.lock(target="candidate")
            try:
                m.load_configuration(action="set", config=[stmt])
                reply = m.commit(synchronize=True)
                self.assert_netconf_synchronized(reply)
            except BaseException:
                quietly(m.discard_changes)  # leave the shared candidate clean for the next test
                quietly(m.unlock, target="candidate")
                raise
            m.unlock(target="candidate")
        self.assert_committed([stmt])

        # The backup's own NETCONF address serves its committed configuration.
        with connect("re1") as m:
            root = harness.xml_root(m.get_config(source="running"))
            descriptions = [
                harness.child_text(i, "description")
                for i in harness.elements(root, "interface")
                if harness.child_text(i, "name") == "ge-0/0/5"
            ]
            self.assertEqual(descriptions, ["ncclient"])


class Failover(ClientTest):
    """Last: halts re0. The management address must lead to the new master."""

    @bounded(300)
    def test_9_failover_on_the_management_address(self):
        CHASSIS.configure(
            [
                "set chassis redundancy failover on-loss-of-keepalives",
                f"set chassis redundancy keepalive-time {KEEPALIVE_TIME}",
            ]
        )
        host, port = serving(None, "ssh")

        def connect(log_name):
            return netmiko_session((host, port), self.log_file(log_name), timeout=15)

        conn = connect("netmiko-before.log")
        try:
            output = conn.send_command("show chassis routing-engine", read_timeout=30)
            self.assertEqual(routing_engine_states(output), ROLES, output)
            old_host = conn.base_prompt.split("@", 1)[1]

            CHASSIS.halt_agent(0)
            started = time.monotonic()
            # The session was relayed to re0: its next command must fail, not hang.
            try:
                call_within(60, conn.send_command, "show chassis routing-engine", read_timeout=20)
            except harness.Hung:
                self.fail("the old session's next command hung after re0 was halted")
            except Exception as e:  # noqa: BLE001 - any clean failure will do
                failure = e
            else:
                self.fail("a command on the old session still answered after re0 was halted")
            print(
                f"\n  (the old session's next command failed {time.monotonic() - started:.1f} s after the halt:"
                f" {type(failure).__name__}: {str(failure).splitlines()[0] if str(failure) else ''})",
                file=sys.stderr,
            )
        finally:
            try:
                call_within(15, conn.disconnect)
            except Exception:  # noqa: BLE001 - the connection is expected to be gone
                pass

        attempts = []

        def new_session():
            attempts.append(time.monotonic())
            c = connect(f"netmiko-after-{len(attempts)}.log")
            try:
                out = c.send_command("show chassis routing-engine", strip_prompt=False, read_timeout=30)
                return c.base_prompt, out
            finally:
                c.disconnect()

        base_prompt, output = eventually(
            "a new SSH session on the management address",
            lambda: call_within(90, new_session, what="new management session"),
            within=120,
            every=1.0,
        )
        print(
            f"  (a new session reached {base_prompt} {time.monotonic() - started:.1f} s after the halt,"
            f" attempt {len(attempts)})",
            file=sys.stderr,
        )
        self.assertEqual(routing_engine_states(output).get(1), "Master", output)
        self.assertNotEqual(routing_engine_states(output).get(0), "Master", output)
        self.assertRegex(output, rf"\{{master(:\d+)?\}}[ \t]*\n[^\n]*{re.escape(base_prompt)}>\s*$", output)
        self.assertNotEqual(base_prompt.split("@", 1)[1], old_host, "the new session is on the old host")


def load_tests(loader, standard_tests, pattern):
    """The tests in their order: the clients, then the failover (which halts re0)."""
    suite = unittest.TestSuite()
    for case in (Clients, Failover):
        for name in sorted(loader.getTestCaseNames(case)):
            suite.addTest(case(name))
    return suite
