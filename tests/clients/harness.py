"""A reshell chassis for the automation-client tests, and the waits they use.

Everything here that waits has a deadline: `eventually` polls a condition
until it holds or time runs out, `call_within` runs a call on a worker thread
and gives up on it after a bound (the SSH libraries have calls that block
without a timeout of their own), and the chassis is stopped by SIGTERM, then
SIGKILL to its whole process group.
"""

import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

USER = "lab"
PASSWORD = "lab123"
# The OS user the first shell run logs in as, at the console (with the
# chassis secret, no password: a new chassis has none); anything but USER.
BOOTSTRAP_USER = "admin"


class Options:
    """Set by run_clients.py before the tests load."""

    reshell = None  # path of the reshell binary
    work_dir = None  # a directory of our own: chassis state, logs


# --------------------------------------------------------------------------
# Waiting


class Hung(Exception):
    """A call that did not return within its bound (not a timeout the client raised itself)."""


def call_within(seconds, fn, *args, what=None, **kwargs):
    """fn(*args, **kwargs) on a worker thread; its result, or its exception
    re-raised here; Hung if it has not returned after `seconds` (the
    thread is then abandoned: it is a daemon and dies with the run)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            outcome["error"] = e

    worker = threading.Thread(target=run, name=what or getattr(fn, "__name__", "call"), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise Hung(f"{what or getattr(fn, '__name__', 'call')} did not return within {seconds:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def eventually(what, attempt, within, every=0.25):
    """Calls attempt() until it returns something truthy, which is returned.
    An exception counts as "not yet". After `within` seconds, TimeoutError
    naming `what` and the last answer or exception."""
    deadline = time.monotonic() + within
    last = None
    while True:
        try:
            value = attempt()
            if value:
                return value
            last = f"last answer: {value!r}"
        except Exception as e:  # noqa: BLE001 - recorded, tried again
            last = f"last error: {type(e).__name__}: {e}"
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {within:.0f} s ({last})")
        time.sleep(min(every, max(0.0, deadline - time.monotonic())))


# --------------------------------------------------------------------------
# Reading what the router says


def routing_engine_states(text):
    """{slot: "Master"|"Backup"|...} from `show chassis routing-engine` text."""
    states = {}
    slot = None
    for line in text.splitlines():
        m = re.match(r"\s*Slot\s+(\d+):", line)
        if m:
            slot = int(m.group(1))
            continue
        m = re.match(r"\s*Current state\s+(\S+)", line)
        if m and slot is not None and slot not in states:
            states[slot] = m.group(1)
    return states


def local_name(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else None


def xml_root(reply):
    """An element tree root from what a NETCONF client hands back: an lxml
    element, ncclient's NCElement or RPCReply, or XML text."""
    from lxml import etree

    if hasattr(reply, "iter") and not isinstance(reply, (str, bytes)):
        return reply
    if hasattr(reply, "tostring"):  # ncclient NCElement (Junos replies)
        text = reply.tostring
    elif hasattr(reply, "xml"):  # ncclient RPCReply
        text = reply.xml
    else:
        text = reply
    if isinstance(text, str):
        text = text.encode()
    return etree.fromstring(text.strip())


def elements(root, name):
    """Every element named `name` (whatever its namespace) under root."""
    return [e for e in root.iter() if local_name(e.tag) == name]


def child_text(element, name):
    for child in element:
        if local_name(child.tag) == name:
            return (child.text or "").strip()
    return None


def netconf_routing_engine_states(reply):
    """{slot: "master"|"backup"} from a get-route-engine-information reply."""
    states = {}
    for re_ in elements(xml_root(reply), "route-engine"):
        slot = child_text(re_, "slot")
        states[int(slot) if slot and slot.isdigit() else 0] = child_text(re_, "mastership-state")
    return states


def commit_results(reply):
    """[(re-name, outcome)] from a commit-configuration reply's commit-results,
    outcome being the local name of the routing-engine's marker child."""
    results = []
    for re_ in elements(xml_root(reply), "routing-engine"):
        name = child_text(re_, "name")
        marks = [local_name(c.tag) for c in re_ if local_name(c.tag) not in (None, "name")]
        results.append((name, marks))
    return results


# --------------------------------------------------------------------------
# The chassis


def _address(text):
    host, port = text.rsplit(":", 1)
    return host.strip("[]"), int(port)



def stop_group(process):
    """SIGTERM to a reshell process started in its own group, then SIGKILL
    to whatever is left of the group (a stuck chassis, an orphaned agent)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            pass
    kill_group(process)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        pass


def kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Chassis:
    """`reshell chassis` with SSH and NETCONF listeners on loopback ports."""

    # `re0: listening on A`, `re0: ssh listening on A`, `netconf listening on A`, ...
    ADDRESS_LINE = re.compile(r"^(?:(re[01]): )?(?:(ssh|netconf) )?listening on (\S+)\s*$")
    NEEDED = [(re_, kind) for re_ in ("re0", "re1") for kind in ("grpc", "ssh", "netconf")] + [
        (None, "ssh"),
        (None, "netconf"),
    ]

    def __init__(self, reshell, work_dir):
        self.reshell = str(reshell)
        self.work_dir = Path(work_dir)
        self.state_dir = self.work_dir / "chassis"
        self.process = None
        self.addresses = {}
        self.lines = []
        self._changed = threading.Condition()
        self._output_log = None
        self._reader = None

    # ---- life

    def start(self, within=60):
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._output_log = open(self.work_dir / "chassis.stdout", "w", buffering=1)
        stderr = open(self.work_dir / "chassis.stderr", "wb")
        command = [
            self.reshell, "chassis",
            "--state-dir", str(self.state_dir),
            "--ssh-listen", "127.0.0.1:0",
            "--netconf-listen", "127.0.0.1:0",
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k != "RESHELL_PASSWORD"}
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            start_new_session=True,  # its own process group, so both agents can be stopped with it
        )
        stderr.close()
        self._reader = threading.Thread(target=self._read_output, name="chassis-output", daemon=True)
        self._reader.start()

        def all_known():
            if self.process.poll() is not None:
                raise RuntimeError(f"reshell chassis exited ({self.process.returncode})\n{self.diagnostics()}")
            return all(key in self.addresses for key in self.NEEDED)

        with self._changed:
            end = time.monotonic() + within
            while not all_known():
                left = end - time.monotonic()
                if left <= 0:
                    missing = [f"{r or 'chassis'} {k}" for r, k in self.NEEDED if (r, k) not in self.addresses]
                    raise TimeoutError(
                        f"reshell chassis did not print every address within {within} s "
                        f"(missing: {', '.join(missing)})\n{self.diagnostics()}"
                    )
                self._changed.wait(min(left, 0.5))

    def _read_output(self):
        for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            self._output_log.write(line + "\n")
            with self._changed:
                self.lines.append(line)
                m = self.ADDRESS_LINE.match(line)
                if m:
                    key = (m.group(1), m.group(2) or "grpc")
                    self.addresses.setdefault(key, _address(m.group(3)))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_line(self, pattern, within):
        """The first output line matching `pattern` (a regex), waiting for it."""
        rx = re.compile(pattern)
        with self._changed:
            end = time.monotonic() + within
            while True:
                for line in self.lines:
                    if rx.search(line):
                        return line
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no chassis output line matched {pattern!r} within {within} s")
                self._changed.wait(min(left, 0.5))

    def stop(self):
        if self.process is None:
            return
        stop_group(self.process)
        if self._reader is not None:
            self._reader.join(5)
        if self._output_log and (self._reader is None or not self._reader.is_alive()):
            self._output_log.close()

    def kill_now(self):
        """SIGKILL to the chassis's process group, from any thread (the overall deadline)."""
        if self.process is not None:
            kill_group(self.process)

    # ---- addresses

    def address(self, re_, kind):
        """(host, port) of `kind` ("grpc", "ssh", "netconf") on re_ ("re0",
        "re1", or None for the chassis management address)."""
        return self.addresses[(re_, kind)]

    def grpc(self, slot):
        host, port = self.address(f"re{slot}", "grpc")
        return f"{host}:{port}"

    # ---- the agents as processes

    def halt_agent(self, slot, within=15):
        """`request system halt` on the RE, and wait until the chassis reports it down.
        (A killed agent would be started again by the chassis at once.)"""
        self.shell(["request system halt"], slot=slot, yes=True)
        self.wait_for_line(rf"^re{slot}: agent \(PID \d+\) halted", within)

    # ---- the shell

    def shell(self, commands, slot=0, user=USER, password=PASSWORD, within=60, typed=False, yes=False):
        """`reshell --connect reN=ADDR [--user USER] -c CMD ...`: its standard
        output; RuntimeError with both outputs if it fails. user=None runs as
        the OS user BOOTSTRAP_USER at the console (the chassis secret, no password).
        typed=True types the commands at its standard input instead, where a
        `plain-text-password` reads the password from the next two lines."""
        argv = [self.reshell, "--connect", f"re{slot}={self.grpc(slot)}"]
        if yes:
            argv.append("--yes")
        env = {k: v for k, v in os.environ.items() if k != "RESHELL_PASSWORD"}
        if user is None:
            env["USER"] = BOOTSTRAP_USER
            argv += ["--secret", str(self.state_dir / "chassis-secret")]
        else:
            argv += ["--user", user]
            env["RESHELL_PASSWORD"] = password
        if not typed:
            for c in commands:
                argv += ["-c", c]
        run = subprocess.run(
            argv,
            input="".join(f"{c}\n" for c in commands).encode() if typed else b"",
            capture_output=True,
            env=env,
            timeout=within,
            check=False,
        )
        stdout = run.stdout.decode(errors="replace")
        if run.returncode != 0:
            raise RuntimeError(
                f"reshell {' '.join(argv[1:])} exited {run.returncode}\n"
                f"--- stdout\n{stdout}--- stderr\n{run.stderr.decode(errors='replace')}"
            )
        return stdout

    def bootstrap(self, statements=()):
        """A new chassis has no password: only its console gets in. There,
        set root's password and create USER (each password typed twice, as
        the CLI asks for it), turn SSH and NETCONF on, add `statements`, and
        commit on both REs."""
        self.configure(
            [
                "set system root-authentication plain-text-password",
                PASSWORD,
                PASSWORD,
                f"set system login user {USER} class super-user",
                f"set system login user {USER} authentication plain-text-password",
                PASSWORD,
                PASSWORD,
                "set system services ssh",
                "set system services netconf ssh",
                *statements,
            ],
            user=None,
            typed=True,
        )

    def committed(self, slot):
        """The RE's committed configuration as `set` lines."""
        out = self.shell(["show configuration | display set"], slot=slot)
        return {line.strip() for line in out.splitlines() if line.strip()}

    def configure(self, statements, slot=0, commit="commit synchronize and-quit", user=USER, typed=False):
        """`configure`, the statements, then the commit; its output, which must say `commit complete`."""
        out = self.shell(["configure", *statements, commit], slot=slot, user=user, typed=typed)
        if "commit complete" not in out:
            raise RuntimeError(f"the commit on re{slot} did not complete:\n{out}")
        return out

    # ---- diagnostics

    def diagnostics(self, lines=40):
        parts = []
        with self._changed:
            shown = self.lines[-lines:]
        parts.append("--- reshell chassis output (last lines)\n" + "\n".join(shown))
        try:
            err = (self.work_dir / "chassis.stderr").read_text(errors="replace").splitlines()[-lines:]
            if err:
                parts.append("--- reshell chassis stderr (last lines)\n" + "\n".join(err))
        except OSError:
            pass
        return "\n".join(parts)


# --------------------------------------------------------------------------
# Readiness: a login that gets a CLI prompt, or a NETCONF hello


def _paramiko_session(host, port, timeout):
    import paramiko

    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        host, port=port, username=USER, password=PASSWORD, look_for_keys=False, allow_agent=False,
        timeout=timeout, banner_timeout=timeout, auth_timeout=timeout,
    )  # fmt: skip
    return client


def _read_until(channel, marker, within):
    data = b""
    end = time.monotonic() + within
    channel.settimeout(0.5)
    while marker not in data:
        if time.monotonic() >= end:
            raise TimeoutError(f"no {marker!r} within {within} s; got {data[-300:]!r}")
        try:
            chunk = channel.recv(65536)
        except OSError:  # socket.timeout
            continue
        if not chunk:
            raise EOFError(f"channel closed before {marker!r}; got {data[-300:]!r}")
        data += chunk
    return data


def probe_cli(host, port, within=15):
    """Log in as USER over SSH and read the first prompt (`... USER@HOST> `)."""
    client = _paramiko_session(host, port, within)
    try:
        channel = client.invoke_shell(term="vt100", width=511, height=1000)
        data = _read_until(channel, b"> ", within)
        if f"{USER}@".encode() not in data:
            raise RuntimeError(f"no {USER}@ prompt: {data[-300:]!r}")
        return data.decode(errors="replace")
    finally:
        client.close()


_CLIENT_HELLO = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities>'
    b"<capability>urn:ietf:params:netconf:base:1.0</capability>"
    b"</capabilities></hello>]]>]]>"
)
_CLOSE_SESSION = (
    b'<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="1"><close-session/></rpc>]]>]]>'
)


def probe_netconf(host, port, within=15):
    """Log in as USER, open the `netconf` subsystem, exchange hellos (ours
    first, as ncclient does), and close the session."""
    client = _paramiko_session(host, port, within)
    try:
        channel = client.get_transport().open_session(timeout=within)
        channel.invoke_subsystem("netconf")
        channel.sendall(_CLIENT_HELLO)
        data = _read_until(channel, b"]]>]]>", within)
        if b"hello" not in data:
            raise RuntimeError(f"no hello: {data[-300:]!r}")
        channel.sendall(_CLOSE_SESSION)
        _read_until(channel, b"]]>]]>", within)
        return data.decode(errors="replace")
    finally:
        client.close()


def wait_until_serving(what, probe, host, port, within=30):
    """Polls `probe` (each try bounded) until it succeeds."""
    return eventually(
        f"{what} at {host}:{port} accepting {USER}",
        lambda: call_within(30, probe, host, port, what=f"probe of {what}"),
        within=within,
        every=0.5,
    )
