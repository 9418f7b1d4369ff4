"""The whole system as processes on one machine: ``alv run`` and the e2e tests.

Each service, the gateway and (optionally) a receiver simulator run as their
own process, started as ``python -m alv ...`` with their configuration in the
environment, exactly as in production or in docker-compose.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SERVICE_PORTS = {"registration": 8001, "ballot": 8002, "results": 8003, "gateway": 8004}
SERVICES = ("registration", "ballot", "results")


@dataclass
class StackConfig:
    data_dir: Path
    meeting: str
    # Machine tokens by key: "gateway", each service's own ("registration",
    # "ballot", "results") and "integrator" (alv.users.MACHINE_TOKENS).
    tokens: dict[str, str]
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICE_PORTS))
    # Empty: SQLite files in data_dir. Else a URL per service.
    database_urls: dict[str, str] = field(default_factory=dict)
    # Serial ports for the gateway: real receivers, or the simulator's links.
    serial_ports: list[str] = field(default_factory=list)
    # Run a receiver simulator with this many handsets (0: none).
    simulated_handsets: int = 0
    simulator_control_port: int = 8005
    # Set last, over everything above (tests: a gateway behind a line they can
    # cut, or with its clock off).
    extra_env: dict[str, str] = field(default_factory=dict)
    # Scale-out on PostgreSQL: how many processes of a part (default 1), e.g.
    # {"ballot": 2}. The second is named "ballot-2" and needs its own entry in
    # ``ports``; the n-th results or gateway process talks to the n-th ballot
    # process (round robin), so work really crosses processes.
    processes: dict[str, int] = field(default_factory=dict)
    # ``alv serve --workers N`` per service (default 1).
    workers: dict[str, int] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.ports[name]}"

    def names(self, part: str) -> list[str]:
        """The processes of ``part``: ``ballot``, ``ballot-2``, ..."""
        return [part] + [f"{part}-{n}" for n in range(2, self.processes.get(part, 1) + 1)]

    def ballot_of(self, name: str) -> str:
        """The ballot process that process ``name`` talks to."""
        ballots = self.names("ballot")
        number = int(name.rpartition("-")[2]) if "-" in name else 1
        return ballots[(number - 1) % len(ballots)]

    def registration_database(self) -> str:
        """Registration's database URL (where the accounts and tokens are)."""
        return self.database_urls.get(
            "registration", f"sqlite:///{(self.data_dir / 'registration.db').resolve()}"
        )

    def receiver_links(self) -> list[str]:
        return [str(self.data_dir / "receivers" / "R01")]


class StackError(RuntimeError):
    pass


class Stack:
    """Starts, watches and stops the processes of one meeting."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.log_dir = config.data_dir / "logs"

    def environment(self, name: str | None = None) -> dict[str, str]:
        """The environment of process ``name`` (of the first of each part by default)."""
        config = self.config
        env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
        for service in ("registration", "ballot", "results"):
            prefix = service.upper()
            env[f"{prefix}_SERVICE_TOKEN"] = config.tokens[service]
            env[f"{prefix}_HOST"] = config.host
            env[f"{prefix}_PORT"] = str(config.ports[service])
            env[f"{prefix}_DATA_DIR"] = str(config.data_dir)
            if service in config.database_urls:
                env[f"{prefix}_DATABASE_URL"] = config.database_urls[service]
        env["BALLOT_REGISTRATION_URL"] = config.url("registration")
        env["REGISTRATION_BALLOT_URL"] = config.url("ballot")
        env["RESULTS_BALLOT_URL"] = config.url("ballot")
        env["RESULTS_REGISTRATION_URL"] = config.url("registration")
        # The pages link to each other, and the portal to the gateway.
        for part in SERVICE_PORTS:
            env[f"ALV_PUBLIC_URL_{part.upper()}"] = config.url(part)
        env["GATEWAY_BALLOT_URL"] = config.url("ballot")
        env["GATEWAY_REGISTRATION_URL"] = config.url("registration")
        env["GATEWAY_MEETING"] = config.meeting
        env["GATEWAY_TOKEN"] = config.tokens["gateway"]
        env["GATEWAY_HTTP_HOST"] = config.host
        env["GATEWAY_HTTP_PORT"] = str(config.ports["gateway"])
        env["PYTHONUNBUFFERED"] = "1"
        if name is not None and "-" in name:  # a further process of a part
            part = name.partition("-")[0]
            ballot = config.url(config.ballot_of(name))
            env |= {
                "registration": {"REGISTRATION_PORT": str(config.ports[name])},
                "ballot": {"BALLOT_PORT": str(config.ports[name])},
                "results": {"RESULTS_PORT": str(config.ports[name]), "RESULTS_BALLOT_URL": ballot},
                "gateway": {
                    "GATEWAY_HTTP_PORT": str(config.ports[name]),
                    "GATEWAY_BALLOT_URL": ballot,
                },
            }[part]
        env.update(config.extra_env)
        return env

    def _spawn(self, name: str, *args: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # The child keeps its own copy of the descriptor; ours closes at once.
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "alv", *args],
                env=self.environment(name),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in the terminal reaches us, not them
            )

    def start_services(self, timeout: float = 30.0, parts: tuple[str, ...] = SERVICES) -> None:
        """Every process of ``parts`` started at once (each migrates on start-up)."""
        names = [name for service in parts for name in self.config.names(service)]
        for name in names:
            self._spawn(name, *self.serve_args(name))
        self.wait_healthy(tuple(names), timeout)

    def serve_args(self, name: str) -> tuple[str, ...]:
        """The ``alv`` arguments that start service process ``name``."""
        service = name.partition("-")[0]
        workers = self.config.workers.get(service, 1)
        return ("serve", service, *(("--workers", str(workers)) if workers > 1 else ()))

    def start_hardware(self, timeout: float = 30.0) -> None:
        config = self.config
        ports = list(config.serial_ports)
        if config.simulated_handsets:
            links = config.receiver_links()
            Path(links[0]).parent.mkdir(parents=True, exist_ok=True)
            self._spawn(
                "simulator",
                "simulate",
                "--receivers",
                "1",
                "--handsets",
                str(config.simulated_handsets),
                "--link",
                links[0],
                "--control-port",
                str(config.simulator_control_port),
            )
            ports += links
        if ports:
            # With several gateways each opens its share of the receivers.
            gateways = config.names("gateway")
            for number, name in enumerate(gateways):
                port_args = [
                    arg for port in ports[number :: len(gateways)] for arg in ("--port", port)
                ]
                self._spawn(name, "gateway", *port_args)
            self.wait_healthy(tuple(gateways), timeout)
            for name in gateways:
                self.wait_receivers_connected(timeout, gateway=name)

    def wait_healthy(self, parts: tuple[str, ...], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = list(parts)
        with httpx.Client(timeout=1.0) as client:
            while pending:
                part = pending[0]
                process = self.processes[part]
                if process.poll() is not None:
                    raise StackError(
                        f"{part} stopte met afsluitcode {process.returncode};"
                        f" zie {self.log_dir / f'{part}.log'}"
                    )
                try:
                    if client.get(f"{self.config.url(part)}/healthz").status_code == 200:
                        pending.pop(0)
                        continue
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise StackError(f"{part} werkt na {timeout:.0f} s nog niet")
                time.sleep(0.1)

    def wait_receivers_connected(self, timeout: float, gateway: str = "gateway") -> None:
        """Until the gateway has every receiver port open (or the time is up)."""
        deadline = time.monotonic() + timeout
        url = f"{self.config.url(gateway)}/api/receivers"
        with httpx.Client(timeout=1.0) as client:
            while True:
                try:
                    receivers = client.get(url).json()
                    if receivers and all(r["connected"] for r in receivers):
                        return
                except (httpx.TransportError, ValueError):
                    pass
                if time.monotonic() > deadline:
                    raise StackError(f"ontvangers na {timeout:.0f} s niet verbonden: {url}")
                time.sleep(0.1)

    def failed(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def stop(self, name: str | None = None, *, kill: bool = False) -> None:
        """Stop process ``name`` (a part stops all its processes), or everything."""
        if name is None:
            names = list(reversed(self.processes))
        elif name in SERVICE_PORTS:
            names = [each for each in self.config.names(name) if each in self.processes]
        else:
            names = [name]
        for each in names:
            process = self.processes.get(each)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        for each in names:
            process = self.processes.pop(each, None)
            if process is None:
                continue
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def restart(self, name: str, *args: str, timeout: float = 30.0) -> None:
        self._spawn(name, *args)
        self.wait_healthy((name,), timeout)


_OWN_PREFIXES = (
    "ALV_TOKEN_",  # the shared role tokens of old: never passed on
    "ALV_PUBLIC_URL_",
    "REGISTRATION_",
    "BALLOT_",
    "RESULTS_",
    "GATEWAY_",
)
