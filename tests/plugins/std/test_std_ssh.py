import io
import os
import shlex
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from action_sdk import ActionError, RunContext, describe_action
from plugins.std.egress import EgressDenied
from plugins.std.ssh import SshAction, SshProxiedAction

USER = "deploy"
PASSWORD = "pa55:word"
PASSPHRASE = "key phrase"
GATEWAY_USER = "jump"
#: Canned replies of the fake server: command -> (stdout, stderr, exit status).
#: The server never runs anything; it only sends these bytes back.
CANNED: dict[str, tuple[bytes, bytes, int]] = {
    "hostname": (b"web-1\n", b"", 0),
    "check-disk": (b"partial output\n", b"disk /var is full\n", 3),
    "noisy": (b"done\n", b"e" * (3 * 1024 * 1024), 0),
}
UNKNOWN_COMMAND = (b"", b"unknown command\n", 127)


@dataclass
class Recorded:
    commands: list[tuple[str, str]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    forwards: list[tuple[str, int]] = field(default_factory=list)
    connections: int = 0


class FakeServer(paramiko.ServerInterface):
    """Accepts a password or one public key and replies to commands from CANNED."""

    def __init__(
        self,
        recorded: Recorded,
        user: str,
        client_key: paramiko.PKey,
        host_key: paramiko.PKey,
        name: str,
    ) -> None:
        self.recorded = recorded
        self.user = user
        self.client_key = client_key
        self.host_key = host_key
        self.name = name
        self.forward_ids: set[int] = set()

    def get_allowed_auths(self, username: str) -> str:
        return "password,publickey"

    def check_auth_password(self, username: str, password: str) -> int:
        if username == self.user and password == PASSWORD:
            self.recorded.logins.append((self.name, "password"))
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if username == self.user and key == self.client_key:
            self.recorded.logins.append((self.name, "publickey"))
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_direct_tcpip_request(
        self, chanid: int, origin: tuple[str, int], destination: tuple[str, int]
    ) -> int:
        self.recorded.forwards.append(destination)
        self.forward_ids.add(chanid)
        return paramiko.OPEN_SUCCEEDED

    def check_channel_exec_request(
        self, channel: paramiko.Channel, command: bytes
    ) -> bool:
        text = command.decode()
        self.recorded.commands.append((self.name, text))
        answer = CANNED.get(text, UNKNOWN_COMMAND)
        threading.Thread(target=reply, args=(channel, answer), daemon=True).start()
        return True


def reply(channel: paramiko.Channel, answer: tuple[bytes, bytes, int]) -> None:
    stdout, stderr, status = answer
    # paramiko sends the exec reply after check_channel_exec_request returns;
    # a channel closed before that reply makes the client see "Channel closed".
    # The pause gives the transport thread time to send it, and the channel is
    # left for the client to close, so a slow transport thread cannot make
    # the close overtake the reply on a loaded machine.
    time.sleep(0.2)
    try:
        channel.sendall(stdout)
        channel.sendall_stderr(stderr)
        channel.send_exit_status(status)
    except (OSError, EOFError, paramiko.SSHException):
        pass  # the client closed the channel, as the output limit does


@dataclass
class SshServer:
    port: int
    recorded: Recorded
    host_key: paramiko.PKey
    key_dir: Path
    client_key: paramiko.PKey

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def context(self, **settings: Any) -> RunContext:
        values = {"denied_cidrs": [], "key_dirs": [str(self.key_dir)], **settings}
        return RunContext(extra={"std.ssh": values})


def serve_transport(
    sock: socket.socket,
    server: SshServer,
    transports: list[paramiko.Transport],
) -> None:
    """Serve one SSH connection; forwarding channels reach this same server."""
    transport = paramiko.Transport(sock)
    transports.append(transport)
    transport.add_server_key(server.host_key)
    # The first login is the gateway; a connection that arrives through a
    # forwarding channel of the gateway is the target host.
    name = "target" if server.recorded.forwards else "server"
    interface = FakeServer(
        server.recorded, USER, server.client_key, server.host_key, name
    )
    try:
        transport.start_server(server=interface)
    except (paramiko.SSHException, EOFError, OSError):
        return
    while transport.is_active():
        channel = transport.accept(timeout=0.2)
        if channel is None or channel.get_id() not in interface.forward_ids:
            continue
        upstream = socket.create_connection(("127.0.0.1", server.port))
        for source, sink in ((channel, upstream), (upstream, channel)):
            threading.Thread(target=pump, args=(source, sink), daemon=True).start()


def pump(source: Any, sink: Any) -> None:
    """Copy bytes from source to sink until either side closes."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except (OSError, EOFError):
        pass
    finally:
        sink.close()


def generate_client_key() -> tuple[paramiko.PKey, bytes, bytes]:
    """Return an Ed25519 key and its OpenSSH text, plain and encrypted."""
    private = ed25519.Ed25519PrivateKey.generate()
    plain = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    encrypted = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    )
    key = paramiko.Ed25519Key.from_private_key(io.StringIO(plain.decode()))
    return key, plain, encrypted


@pytest.fixture
def ssh(tmp_path: Path) -> Iterator[SshServer]:
    """An SSH server on 127.0.0.1 that only sends canned command output.

    It is also the gateway: a forwarding channel opened through it connects
    back to it, and every connection accepted after the first forward is
    named "target".
    """
    host_key = paramiko.ECDSAKey.generate()
    client_key, plain, encrypted = generate_client_key()
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    (key_dir / "id_ed25519").write_bytes(plain)
    (key_dir / "id_encrypted").write_bytes(encrypted)
    transports: list[paramiko.Transport] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.05)
    server = SshServer(
        listener.getsockname()[1], Recorded(), host_key, key_dir, client_key
    )
    stop = threading.Event()

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server.recorded.connections += 1
            threading.Thread(
                target=serve_transport, args=(sock, server, transports), daemon=True
            ).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join()
        listener.close()
        for transport in transports:
            transport.close()


def run_ssh(server: SshServer, context: RunContext | None = None, **params: Any) -> Any:
    defaults = {"cmd": "hostname", "host": server.address, "username": USER}
    return SshAction().run(context or server.context(), **{**defaults, **params})


def test_ssh_password_returns_stdout(ssh: SshServer) -> None:
    assert run_ssh(ssh, password=PASSWORD) == "web-1\n"
    assert ssh.recorded.commands == [("server", "hostname")]
    assert ssh.recorded.logins == [("server", "password")]


def test_ssh_private_key_text(ssh: SshServer) -> None:
    key_text = (ssh.key_dir / "id_ed25519").read_text()
    assert run_ssh(ssh, private_key=key_text) == "web-1\n"
    assert ssh.recorded.logins == [("server", "publickey")]


def test_ssh_key_file_relative_name(ssh: SshServer) -> None:
    assert run_ssh(ssh, private_key_filename="id_ed25519") == "web-1\n"
    assert ssh.recorded.logins == [("server", "publickey")]


def test_ssh_key_file_absolute_path(ssh: SshServer) -> None:
    path = str(ssh.key_dir / "id_ed25519")
    assert run_ssh(ssh, private_key_filename=path) == "web-1\n"


def test_ssh_key_file_default_dir_is_home_ssh(ssh: SshServer) -> None:
    context = RunContext(extra={"std.ssh": {"denied_cidrs": []}})
    outside = str(ssh.key_dir / "id_ed25519")
    with pytest.raises(ActionError) as caught:
        run_ssh(ssh, context, private_key_filename=outside)
    assert "must name a file in ~/.ssh" in caught.value.message


@pytest.mark.parametrize(
    "filename",
    ["../id_ed25519", "sub/../../id_ed25519", "/etc/passwd", "escape"],
)
def test_ssh_key_file_outside_key_dirs(ssh: SshServer, filename: str) -> None:
    (ssh.key_dir.parent / "id_ed25519").write_text("not a key")
    os.symlink(ssh.key_dir.parent / "id_ed25519", ssh.key_dir / "escape")
    with pytest.raises(ActionError) as caught:
        run_ssh(ssh, private_key_filename=filename)
    assert f"Invalid private_key_filename {filename!r}" in caught.value.message
    assert ssh.recorded.connections == 0


def test_ssh_key_file_not_found(ssh: SshServer) -> None:
    with pytest.raises(ActionError, match="Private key file 'id_missing' not found"):
        run_ssh(ssh, private_key_filename="id_missing")


def test_ssh_encrypted_key_with_passphrase(ssh: SshServer) -> None:
    result = run_ssh(
        ssh, private_key_filename="id_encrypted", private_key_password=PASSPHRASE
    )
    assert result == "web-1\n"


def test_ssh_password_unlocks_key_like_mistral(ssh: SshServer) -> None:
    key_text = (ssh.key_dir / "id_encrypted").read_text()
    with pytest.raises(ActionError, match="wrong passphrase or damaged key"):
        run_ssh(ssh, private_key=key_text, password="wrong")
    assert run_ssh(ssh, private_key=key_text, password=PASSPHRASE) == "web-1\n"
    assert ssh.recorded.logins == [("server", "publickey")]


def test_ssh_encrypted_key_without_passphrase(ssh: SshServer) -> None:
    with pytest.raises(ActionError) as caught:
        run_ssh(ssh, private_key_filename="id_encrypted")
    assert "is encrypted: give its passphrase in private_key_password" in str(
        caught.value
    )


def test_ssh_invalid_private_key_text(ssh: SshServer) -> None:
    with pytest.raises(ActionError, match="Invalid private_key: expected an Ed25519"):
        run_ssh(ssh, private_key="-----BEGIN NONSENSE-----\nabc\n")


def test_ssh_non_zero_exit_fails_with_data(ssh: SshServer) -> None:
    with pytest.raises(ActionError) as caught:
        run_ssh(ssh, cmd="check-disk", password=PASSWORD)
    assert caught.value.message == (
        f"Failed to execute ssh cmd 'check-disk' on {ssh.address}: exit status 3"
    )
    assert caught.value.data == {
        "host": ssh.address,
        "exit_code": 3,
        "stdout": "partial output\n",
        "stderr": "disk /var is full\n",
    }


def test_ssh_unknown_command_exit_127(ssh: SshServer) -> None:
    with pytest.raises(ActionError) as caught:
        run_ssh(ssh, cmd="rm -rf /", password=PASSWORD)
    assert caught.value.data["exit_code"] == 127
    assert caught.value.data["stderr"] == "unknown command\n"


def test_ssh_wrong_password_is_clear(ssh: SshServer) -> None:
    with pytest.raises(ActionError) as caught:
        run_ssh(ssh, password="wrong-" + PASSWORD)
    message = caught.value.message
    assert message == (
        f"SSH authentication failed on {ssh.address} for user 'deploy': "
        "check the password or key"
    )
    assert ssh.recorded.commands == []


def test_ssh_connection_refused(ssh: SshServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(ActionError) as caught:
        run_ssh(ssh, host=closed, password=PASSWORD)
    message = caught.value.message
    assert message.startswith(f"Failed to connect over SSH to {closed}:")
    assert PASSWORD not in message


def test_ssh_host_list_returns_list(ssh: SshServer) -> None:
    result = run_ssh(ssh, host=[ssh.address, ssh.address], password=PASSWORD)
    assert result == ["web-1\n", "web-1\n"]
    assert run_ssh(ssh, host=[ssh.address], password=PASSWORD) == "web-1\n"


def test_ssh_large_stderr_does_not_stall(ssh: SshServer) -> None:
    assert run_ssh(ssh, cmd="noisy", password=PASSWORD) == "done\n"


def test_ssh_output_limit(ssh: SshServer) -> None:
    context = ssh.context(max_output_size_bytes=1024)
    with pytest.raises(ActionError) as caught:
        run_ssh(ssh, context, cmd="noisy", password=PASSWORD)
    assert "more than the limit of 1024 bytes to stderr" in caught.value.message


def test_ssh_loopback_denied_by_default(ssh: SshServer) -> None:
    with pytest.raises(EgressDenied) as caught:
        run_ssh(ssh, RunContext(), password=PASSWORD)
    assert "SSH host '127.0.0.1' resolves to the denied address" in str(caught.value)
    assert ssh.recorded.connections == 0


def test_ssh_missing_credentials(ssh: SshServer) -> None:
    with pytest.raises(ActionError, match="Missing SSH credentials"):
        run_ssh(ssh, password="")
    assert ssh.recorded.connections == 0


def known_hosts_line(server: SshServer, key: paramiko.PKey) -> str:
    return f"[127.0.0.1]:{server.port} {key.get_name()} {key.get_base64()}\n"


def test_ssh_reject_unknown_host_key(ssh: SshServer) -> None:
    context = ssh.context(host_key_policy="reject")
    with pytest.raises(ActionError) as caught:
        run_ssh(ssh, context, password=PASSWORD)
    assert f"Failed to connect over SSH to {ssh.address}" in caught.value.message
    assert "not found in known_hosts" in caught.value.message
    assert ssh.recorded.logins == []


def test_ssh_known_host_key_accepted(ssh: SshServer, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(known_hosts_line(ssh, ssh.host_key))
    context = ssh.context(host_key_policy="reject", known_hosts_file=str(known_hosts))
    assert run_ssh(ssh, context, password=PASSWORD) == "web-1\n"


def test_ssh_changed_host_key_fails(ssh: SshServer, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(known_hosts_line(ssh, paramiko.ECDSAKey.generate()))
    context = ssh.context(known_hosts_file=str(known_hosts))
    with pytest.raises(ActionError) as caught:
        run_ssh(ssh, context, password=PASSWORD)
    assert "does not match the known_hosts entry" in caught.value.message
    assert ssh.recorded.logins == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"host_key_policy": "warn"}, "host_key_policy: expected 'accept' or 'reject'"),
        ({"key_dirs": []}, "key_dirs: expected a non-empty list"),
        ({"allow_proxy_command": "yes"}, "allow_proxy_command: expected true or false"),
        ({"max_output_size_bytes": -1}, "max_output_size_bytes: expected a whole"),
        ({"port": 22}, r"unknown options \['port'\]"),
        ({"known_hosts_file": "/nonexistent/known_hosts"}, "Cannot read the std.ssh"),
    ],
)
def test_ssh_invalid_settings(
    ssh: SshServer, settings: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ActionError, match=expected):
        run_ssh(ssh, ssh.context(**settings), password=PASSWORD)


def run_proxied(server: SshServer, **params: Any) -> Any:
    defaults = {
        "cmd": "hostname",
        "host": "db-1.internal",
        "username": USER,
        "gateway_host": server.address,
        "private_key_filename": "id_ed25519",
    }
    return SshProxiedAction().run(server.context(), **{**defaults, **params})


def test_ssh_proxied_through_gateway(ssh: SshServer) -> None:
    assert run_proxied(ssh) == "web-1\n"
    assert ssh.recorded.forwards == [("db-1.internal", 22)]
    assert ssh.recorded.logins == [("server", "publickey"), ("target", "publickey")]
    assert ssh.recorded.commands == [("target", "hostname")]


def test_ssh_proxied_host_list_and_port(ssh: SshServer) -> None:
    result = run_proxied(ssh, host=["db-1.internal", "db-2.internal:2222"])
    assert result == ["web-1\n", "web-1\n"]
    assert ssh.recorded.forwards == [("db-1.internal", 22), ("db-2.internal", 2222)]


def test_ssh_proxied_gateway_username(ssh: SshServer) -> None:
    with pytest.raises(ActionError) as caught:
        run_proxied(ssh, gateway_username=GATEWAY_USER)
    assert f"for user '{GATEWAY_USER}'" in caught.value.message
    assert ssh.recorded.forwards == []


def test_ssh_proxied_exit_status_fails(ssh: SshServer) -> None:
    with pytest.raises(ActionError) as caught:
        run_proxied(ssh, cmd="check-disk")
    assert caught.value.data["host"] == "db-1.internal"
    assert caught.value.data["exit_code"] == 3


def test_ssh_proxy_command_disabled_by_default(ssh: SshServer) -> None:
    with pytest.raises(ActionError) as caught:
        run_proxied(ssh, proxy_command="nc 127.0.0.1 22")
    assert "proxy_command is disabled" in caught.value.message
    assert "allow_proxy_command" in caught.value.message
    assert ssh.recorded.connections == 0


def test_ssh_proxied_gateway_loopback_denied(ssh: SshServer) -> None:
    with pytest.raises(EgressDenied, match="SSH gateway host '127.0.0.1'"):
        SshProxiedAction().run(
            RunContext(),
            cmd="hostname",
            host="db-1.internal",
            username=USER,
            gateway_host=ssh.address,
            password=PASSWORD,
        )
    assert ssh.recorded.connections == 0


def test_ssh_secrets_are_marked() -> None:
    ssh_secrets = {p.name for p in describe_action(SshAction).parameters if p.secret}
    assert ssh_secrets == {"password", "private_key", "private_key_password"}
    proxied = describe_action(SshProxiedAction).parameters
    assert {p.name for p in proxied if p.secret} == ssh_secrets
    required = {p.name for p in proxied if p.required}
    assert required == {"cmd", "host", "username", "gateway_host"}


def test_ssh_key_file_wrong_passphrase(ssh: SshServer) -> None:
    with pytest.raises(ActionError) as caught:
        run_ssh(ssh, private_key_filename="id_encrypted", private_key_password="x")
    assert caught.value.message.startswith(
        "Cannot read the private key file 'id_encrypted'"
    )
    assert ssh.recorded.connections == 0


RELAY = (
    "import socket, sys, threading\n"
    "s = socket.create_connection(('127.0.0.1', {port}))\n"
    "def up():\n"
    "    for data in iter(lambda: sys.stdin.buffer.raw.read(65536), b''):\n"
    "        s.sendall(data)\n"
    "threading.Thread(target=up, daemon=True).start()\n"
    "for data in iter(lambda: s.recv(65536), b''):\n"
    "    sys.stdout.buffer.write(data)\n"
    "    sys.stdout.buffer.flush()\n"
)


def test_ssh_proxy_command_when_allowed(ssh: SshServer) -> None:
    # The proxy command is a Python relay to the fake server on 127.0.0.1.
    command = shlex.join([sys.executable, "-c", RELAY.format(port=ssh.port)])
    context = ssh.context(allow_proxy_command=True, denied_cidrs=["0.0.0.0/0"])
    result = SshProxiedAction().run(
        context,
        cmd="hostname",
        host="db-1.internal",
        username=USER,
        gateway_host="gateway.internal",
        private_key_filename="id_ed25519",
        proxy_command=command,
    )
    assert result == "web-1\n"
    # One connection from the relay to the gateway, one forwarded to the target.
    assert ssh.recorded.connections == 2
    assert ssh.recorded.commands == [("target", "hostname")]
