"""std.ssh and std.ssh_proxied: run a command over SSH, as Mistral 23 does.

Host keys: like Mistral, an unknown host key is accepted by default (and
logged with its fingerprint), because Mistral workflows rely on it. Hosts in
the operator's ``known_hosts_file`` must present the key listed there. The
setting ``host_key_policy: reject`` makes unknown host keys fail the action.
"""

from __future__ import annotations

import io
import logging
import os
import select
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

import paramiko

from action_sdk import Action, ActionError, RunContext, Secret
from plugins.std.egress import HostPolicy, settings_mapping, split_host_port

logger = logging.getLogger(__name__)

#: Key of the std.ssh and std.ssh_proxied settings in ``RunContext.extra``.
SETTINGS_KEY = "std.ssh"
SSH_PORT = 22
DEFAULT_KEY_DIRS = ("~/.ssh",)
DEFAULT_MAX_OUTPUT_BYTES = 5 * 1024 * 1024
HOST_KEY_POLICIES = ("accept", "reject")
_SETTINGS_OPTIONS = HostPolicy.OPTIONS | {
    "key_dirs",
    "host_key_policy",
    "known_hosts_file",
    "allow_proxy_command",
    "max_output_size_bytes",
}


@dataclass(frozen=True)
class SshSettings:
    """Operator settings of std.ssh and std.ssh_proxied."""

    policy: HostPolicy
    #: Directories that ``private_key_filename`` may point into; a relative
    #: file name is looked up in the first one.
    key_dirs: tuple[str, ...] = DEFAULT_KEY_DIRS
    #: "accept" (Mistral's behaviour) or "reject" for unknown host keys.
    host_key_policy: str = "accept"
    #: OpenSSH known_hosts file with the keys that known hosts must present.
    known_hosts_file: str | None = None
    #: Whether ``proxy_command`` may start a local program on the executor.
    allow_proxy_command: bool = False
    #: Largest stdout or stderr kept from a command; 0 disables the limit.
    max_output_size_bytes: int = DEFAULT_MAX_OUTPUT_BYTES

    @classmethod
    def from_context(cls, context: RunContext) -> SshSettings:
        """Read the settings under ``"std.ssh"`` in ``context.extra``.

        Raises:
            ActionError: An option is unknown or its value is invalid.
        """
        values = settings_mapping(context, SETTINGS_KEY, _SETTINGS_OPTIONS)
        key_dirs = values.get("key_dirs", list(DEFAULT_KEY_DIRS))
        if (
            not isinstance(key_dirs, list | tuple)
            or not key_dirs
            or not all(isinstance(d, str) and d for d in key_dirs)
        ):
            _invalid("key_dirs", key_dirs, "a non-empty list of directory paths")
        host_key_policy = values.get("host_key_policy", "accept")
        if host_key_policy not in HOST_KEY_POLICIES:
            _invalid("host_key_policy", host_key_policy, "'accept' or 'reject'")
        known_hosts_file = values.get("known_hosts_file")
        if known_hosts_file is not None and not isinstance(known_hosts_file, str):
            _invalid("known_hosts_file", known_hosts_file, "a file path")
        allow_proxy_command = values.get("allow_proxy_command", False)
        if not isinstance(allow_proxy_command, bool):
            _invalid("allow_proxy_command", allow_proxy_command, "true or false")
        max_output = values.get("max_output_size_bytes", DEFAULT_MAX_OUTPUT_BYTES)
        if (
            isinstance(max_output, bool)
            or not isinstance(max_output, int)
            or max_output < 0
        ):
            _invalid("max_output_size_bytes", max_output, "a whole number >= 0")
        return cls(
            policy=HostPolicy.from_mapping(SETTINGS_KEY, values),
            key_dirs=tuple(key_dirs),
            host_key_policy=host_key_policy,
            known_hosts_file=known_hosts_file,
            allow_proxy_command=allow_proxy_command,
            max_output_size_bytes=max_output,
        )


def _invalid(option: str, value: Any, expected: str) -> NoReturn:
    raise ActionError(
        f"Invalid {SETTINGS_KEY} setting {option}: expected {expected}, got {value!r}"
    )


@dataclass(frozen=True)
class Credentials:
    """Login of one SSH user: a password, a private key or both."""

    username: str
    password: str | None
    key: paramiko.PKey | None


@dataclass(frozen=True)
class CommandOutput:
    """Output and exit status of one remote command."""

    exit_code: int
    stdout: str
    stderr: str


class SshAction(Action):
    """Run a command on one or more hosts over SSH and return its stdout.

    With one host (text or a one-item list) the result is the command's
    stdout as text; with several hosts it is the list of their stdout, in
    order. A host is "host" or "host:port" (port 22 by default). A non-zero
    exit status fails the action with ``host``, ``exit_code``, ``stdout`` and
    ``stderr`` as error data; Mistral 23 gives only a message then.

    Args:
        cmd: Command line, run by the remote user's shell.
        host: Host, or a list of hosts that run the command one after another.
        username: Remote user.
        password: Password of the remote user. Like Mistral, it also unlocks an
            encrypted private key when ``private_key_password`` is not given.
        private_key_filename: Private key file. A relative name is looked up in
            ~/.ssh, and an absolute path must lie in a directory the operator
            allows (~/.ssh by default).
        private_key: Private key in OpenSSH or PEM text.
        private_key_password: Passphrase of the private key.
    """

    name = "std.ssh"

    def run(
        self,
        context: RunContext,
        cmd: str,
        host: str | list[str],
        username: str,
        password: Annotated[str | None, Secret] = None,
        private_key_filename: str | None = None,
        private_key: Annotated[str | None, Secret] = None,
        private_key_password: Annotated[str | None, Secret] = None,
    ) -> Any:
        settings = SshSettings.from_context(context)
        credentials = _credentials(
            settings,
            username,
            password,
            private_key_filename,
            private_key,
            private_key_password,
        )
        hosts = _host_list(host)
        results = []
        for one_host in hosts:
            target = split_host_port(one_host, SSH_PORT, what="host")
            settings.policy.check_host(*target, purpose="SSH")
            with _Connection(settings, target, credentials) as client:
                output = _execute(settings, client, cmd, one_host)
            results.append(_checked_stdout(cmd, one_host, output))
        return results[0] if len(results) == 1 else results


class SshProxiedAction(Action):
    """Run a command over SSH on hosts reached through a gateway host.

    The action logs in to ``gateway_host`` and opens a TCP forwarding
    channel from there to port 22 of each host (as ``ssh -J`` does), so the
    gateway needs TCP forwarding enabled. Mistral 23 runs ``nc`` on the
    gateway instead. Result and errors are those of std.ssh.

    Args:
        cmd: Command line, run by the remote user's shell.
        host: Host behind the gateway, or a list of them.
        username: Remote user on the hosts.
        gateway_host: Gateway as "host" or "host:port".
        gateway_username: User on the gateway; ``username`` when not given.
        private_key_filename: Private key file for the gateway and the hosts,
            found as for std.ssh.
        private_key: Private key in OpenSSH or PEM text.
        password: Password on the gateway and the hosts, also used as the key
            passphrase when ``private_key_password`` is not given.
        private_key_password: Passphrase of the private key.
        proxy_command: Local command whose stdin and stdout reach the gateway,
            as OpenSSH's ProxyCommand. It runs only when the operator sets
            ``allow_proxy_command``.
    """

    name = "std.ssh_proxied"

    def run(
        self,
        context: RunContext,
        cmd: str,
        host: str | list[str],
        username: str,
        gateway_host: str,
        private_key_filename: str | None = None,
        gateway_username: str | None = None,
        password: Annotated[str | None, Secret] = None,
        proxy_command: str | None = None,
        private_key: Annotated[str | None, Secret] = None,
        private_key_password: Annotated[str | None, Secret] = None,
    ) -> Any:
        settings = SshSettings.from_context(context)
        credentials = _credentials(
            settings,
            username,
            password,
            private_key_filename,
            private_key,
            private_key_password,
        )
        gateway_credentials = Credentials(
            gateway_username or username, credentials.password, credentials.key
        )
        gateway = split_host_port(gateway_host, SSH_PORT, what="gateway_host")
        proxy = _proxy_socket(settings, proxy_command, gateway)
        results = []
        try:
            with _Connection(settings, gateway, gateway_credentials, proxy) as jump:
                for one_host in _host_list(host):
                    target = split_host_port(one_host, SSH_PORT, what="host")
                    channel = _forward(jump, target, gateway_host)
                    with _Connection(settings, target, credentials, channel) as client:
                        output = _execute(settings, client, cmd, one_host)
                    channel.close()
                    results.append(_checked_stdout(cmd, one_host, output))
        finally:
            if proxy is not None:
                proxy.close()
        return results[0] if len(results) == 1 else results


def _host_list(host: str | list[str]) -> list[str]:
    hosts = [host] if isinstance(host, str) else list(host)
    if not hosts:
        raise ActionError("Invalid host: give a host name or a non-empty list")
    return hosts


def _checked_stdout(cmd: str, host: str, output: CommandOutput) -> str:
    if output.exit_code != 0:
        raise ActionError(
            f"Failed to execute ssh cmd {cmd!r} on {host}: exit status "
            f"{output.exit_code}",
            data={
                "host": host,
                "exit_code": output.exit_code,
                "stdout": output.stdout,
                "stderr": output.stderr,
            },
        )
    return output.stdout


def _credentials(
    settings: SshSettings,
    username: str,
    password: str | None,
    private_key_filename: str | None,
    private_key: str | None,
    private_key_password: str | None,
) -> Credentials:
    # Mistral's default password is "", which means no password.
    password = password or None
    passphrase = private_key_password or password
    if private_key:
        key = _key_from_text(private_key, passphrase)
    elif private_key_filename:
        key = _key_from_file(settings, private_key_filename, passphrase)
    else:
        key = None
    if key is None and password is None:
        raise ActionError(
            "Missing SSH credentials: give password, private_key or "
            "private_key_filename"
        )
    return Credentials(username, password, key)


def _key_path(settings: SshSettings, filename: str) -> str:
    key_dirs = [os.path.realpath(os.path.expanduser(d)) for d in settings.key_dirs]
    expanded = os.path.expanduser(filename)
    if os.path.isabs(expanded):
        candidate = expanded
    else:
        candidate = os.path.join(key_dirs[0], expanded)
    resolved = os.path.realpath(candidate)
    for key_dir in key_dirs:
        if os.path.commonpath([resolved, key_dir]) == key_dir and resolved != key_dir:
            return resolved
    raise ActionError(
        f"Invalid private_key_filename {filename!r}: it must name a file in "
        f"{', '.join(settings.key_dirs)} (a relative name is looked up in "
        f"{settings.key_dirs[0]})"
    )


def _key_from_file(
    settings: SshSettings, filename: str, passphrase: str | None
) -> paramiko.PKey:
    path = _key_path(settings, filename)
    secret = passphrase.encode() if passphrase is not None else None
    try:
        return paramiko.PKey.from_path(path, secret)
    except FileNotFoundError:
        raise ActionError(
            f"Private key file {filename!r} not found (looked for {path})"
        ) from None
    except paramiko.PasswordRequiredException:
        raise _encrypted_key_error(f"file {filename!r}") from None
    except TypeError:
        # cryptography raises TypeError for an encrypted OpenSSH key without
        # a passphrase.
        if passphrase is None:
            raise _encrypted_key_error(f"file {filename!r}") from None
        raise ActionError(f"Cannot read the private key file {filename!r}") from None
    except (paramiko.SSHException, OSError, ValueError) as exc:
        raise ActionError(
            f"Cannot read the private key file {filename!r}: {_key_error(exc)}"
        ) from None


def _key_from_text(text: str, passphrase: str | None) -> paramiko.PKey:
    last_error: Exception | None = None
    for key_class in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return key_class.from_private_key(io.StringIO(text), passphrase)
        except paramiko.PasswordRequiredException:
            raise _encrypted_key_error("in private_key") from None
        except (paramiko.SSHException, ValueError, TypeError) as exc:
            last_error = exc
    if _wrong_passphrase(last_error):
        raise ActionError(
            "Cannot read private_key: wrong passphrase or damaged key"
        ) from None
    raise ActionError(
        "Invalid private_key: expected an Ed25519, ECDSA or RSA private key in "
        f"OpenSSH or PEM text ({_key_error(last_error)})"
    )


def _encrypted_key_error(where: str) -> ActionError:
    return ActionError(
        f"The private key {where} is encrypted: give its passphrase in "
        "private_key_password"
    )


def _wrong_passphrase(exc: Exception | None) -> bool:
    # Wording of paramiko 5 and cryptography for a key that does not decrypt.
    text = str(exc).lower()
    return "checkints do not match" in text or "bad decrypt" in text


def _key_error(exc: Exception | None) -> str:
    # Only paramiko's own messages are shown, because other parsers may quote
    # the key material.
    if _wrong_passphrase(exc):
        return "wrong passphrase or damaged key"
    if isinstance(exc, paramiko.SSHException):
        return str(exc)
    return type(exc).__name__ if exc is not None else "unknown error"


class _AcceptAndLogPolicy(paramiko.MissingHostKeyPolicy):
    """Accept an unknown host key for this connection and log its fingerprint."""

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        logger.warning(
            "Accepting the unknown SSH host key of %s: %s %s",
            hostname,
            key.get_name(),
            key.fingerprint,
        )


class _Connection:
    """An SSH client connected and logged in, closed when the block ends."""

    def __init__(
        self,
        settings: SshSettings,
        target: tuple[str, int],
        credentials: Credentials,
        sock: Any = None,
    ) -> None:
        self.settings = settings
        self.target = target
        self.credentials = credentials
        self.sock = sock
        self.client = paramiko.SSHClient()

    def __enter__(self) -> paramiko.SSHClient:
        host, port = self.target
        where = f"{host}:{port}"
        logger.debug("std.ssh connecting to %s as %r", where, self.credentials.username)
        _set_host_key_policy(self.client, self.settings)
        timeout = self.settings.policy.timeout or None
        try:
            self.client.connect(
                host,
                port=port,
                username=self.credentials.username,
                password=self.credentials.password,
                pkey=self.credentials.key,
                sock=self.sock,
                timeout=timeout,
                banner_timeout=timeout,
                auth_timeout=timeout,
                channel_timeout=timeout,
                allow_agent=False,
                look_for_keys=False,
            )
        except paramiko.AuthenticationException:
            self.client.close()
            raise ActionError(
                f"SSH authentication failed on {where} for user "
                f"{self.credentials.username!r}: check the password or key"
            ) from None
        except paramiko.BadHostKeyException as exc:
            self.client.close()
            raise ActionError(
                f"SSH host key of {where} does not match the known_hosts entry "
                f"(got {exc.key.get_name()} {exc.key.fingerprint})"
            ) from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            self.client.close()
            raise ActionError(
                f"Failed to connect over SSH to {where}: {_connect_error(exc)}"
            ) from None
        return self.client

    def __exit__(self, *exc_info: object) -> None:
        self.client.close()


def _connect_error(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


def _set_host_key_policy(client: paramiko.SSHClient, settings: SshSettings) -> None:
    if settings.known_hosts_file:
        try:
            client.load_host_keys(os.path.expanduser(settings.known_hosts_file))
        except OSError as exc:
            raise ActionError(
                f"Cannot read the {SETTINGS_KEY} known_hosts_file "
                f"{settings.known_hosts_file!r}: {exc}"
            ) from None
    if settings.host_key_policy == "reject":
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
    else:
        client.set_missing_host_key_policy(_AcceptAndLogPolicy())


def _proxy_socket(
    settings: SshSettings, proxy_command: str | None, gateway: tuple[str, int]
) -> _ProxyProcess | None:
    if not proxy_command:
        settings.policy.check_host(*gateway, purpose="SSH gateway")
        return None
    if not settings.allow_proxy_command:
        raise ActionError(
            "proxy_command is disabled: it starts a local program on the "
            f"executor, so the operator must set allow_proxy_command in the "
            f"{SETTINGS_KEY} settings"
        )
    # NOTE: the outbound policy cannot see where the proxy command connects.
    try:
        return _ProxyProcess(proxy_command)
    except (paramiko.SSHException, OSError, ValueError) as exc:
        raise ActionError(f"Cannot start proxy_command: {exc}") from None


class _ProxyProcess(paramiko.ProxyCommand):
    """A ProxyCommand whose close stops and reaps the process exactly once.

    paramiko's own close only sends SIGTERM, and it is called again from the
    transport thread after the process may be gone.
    """

    def __init__(self, command: str) -> None:
        super().__init__(command)
        self._stop_lock = threading.Lock()
        self._stopped = False

    def close(self) -> None:
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        process = self.process
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def _forward(
    jump: paramiko.SSHClient, target: tuple[str, int], gateway_host: str
) -> paramiko.Channel:
    transport = jump.get_transport()
    assert transport is not None
    try:
        return transport.open_channel("direct-tcpip", target, ("127.0.0.1", 0))
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise ActionError(
            f"SSH gateway {gateway_host} cannot forward to {target[0]}:"
            f"{target[1]}: {_connect_error(exc)}"
        ) from None


def _execute(
    settings: SshSettings, client: paramiko.SSHClient, cmd: str, host: str
) -> CommandOutput:
    transport = client.get_transport()
    assert transport is not None
    try:
        channel = transport.open_session()
        channel.exec_command(cmd)
        stdout, stderr = _read_both(channel, settings.max_output_size_bytes, host)
        exit_code = channel.recv_exit_status()
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise ActionError(
            f"Failed to execute ssh cmd {cmd!r} on {host}: {_connect_error(exc)}"
        ) from None
    return CommandOutput(
        exit_code,
        stdout.decode("utf-8", errors="replace"),
        stderr.decode("utf-8", errors="replace"),
    )


def _read_both(channel: paramiko.Channel, limit: int, host: str) -> tuple[bytes, bytes]:
    # Read stdout and stderr as they arrive: reading one stream to its end
    # first can stall the command once the other fills the SSH window.
    buffers: Mapping[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
    while True:
        received = False
        if channel.recv_ready():
            buffers["stdout"].extend(channel.recv(65536))
            received = True
        if channel.recv_stderr_ready():
            buffers["stderr"].extend(channel.recv_stderr(65536))
            received = True
        for name, data in buffers.items():
            if limit and len(data) > limit:
                channel.close()
                raise ActionError(
                    f"SSH command on {host} wrote more than the limit of {limit} "
                    f"bytes to {name}"
                )
        if received:
            continue
        if channel.exit_status_ready() or channel.closed:
            if not channel.recv_ready() and not channel.recv_stderr_ready():
                return bytes(buffers["stdout"]), bytes(buffers["stderr"])
            continue
        _wait_readable(channel)


def _wait_readable(channel: paramiko.Channel) -> None:
    # Channel.fileno() becomes readable when stdout or stderr data arrives;
    # the short timeout also notices the exit status, which sets neither.
    try:
        select.select([channel], [], [], 0.1)
    except (OSError, ValueError):
        time.sleep(0.01)
