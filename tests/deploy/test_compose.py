"""docker-compose.yml: its structure, and the same processes started for real.

No Docker engine runs on our machines, so the file is checked for what would
break a deployment (a command the image does not have, a port or URL that
does not line up, a setting no service reads), and then its services are
started as plain processes with its commands and environment against
PostgreSQL, with only host names and host ports mapped to this machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import yaml

from alv.cli import build_parser
from hardware.config import GatewaySettings
from hardware.simulator import SimConfig, Simulator
from services.ballot.config import BallotSettings
from services.common.settings import PublicUrls
from services.registration.config import RegistrationSettings
from services.results.config import ResultsSettings
from tests.support.accounts import mint_credentials
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APPS = ["registration", "ballot", "results", "gateway"]
SETTINGS = {
    "REGISTRATION_": RegistrationSettings,
    "BALLOT_": BallotSettings,
    "RESULTS_": ResultsSettings,
    "GATEWAY_": GatewaySettings,
}
# Links a service works without, so they need no depends_on (which would be a
# cycle here: ballot waits for registration).
OPTIONAL_LINKS = {("registration", "ballot"), ("gateway", "registration")}
PUBLIC = "ALV_PUBLIC_URL_"
_VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def service(name: str) -> dict[str, Any]:
    return dict(COMPOSE["services"][name])


def own_port(name: str) -> int:
    env = service(name)["environment"]
    key = "GATEWAY_HTTP_PORT" if name == "gateway" else f"{name.upper()}_PORT"
    return int(env[key])


class TestStructure:
    def test_every_part_is_there(self) -> None:
        assert set(COMPOSE["services"]) == {"postgres", *APPS}

    @pytest.mark.parametrize("name", APPS)
    def test_built_from_the_one_dockerfile(self, name: str) -> None:
        build = service(name)["build"]
        assert (ROOT / build["context"] / build["dockerfile"]).is_file()
        assert build["dockerfile"] == "deploy/Dockerfile"

    @pytest.mark.parametrize("name", APPS)
    def test_command_exists_in_the_alv_cli(self, name: str) -> None:
        command = service(name)["command"]
        assert command[0] == "alv"
        build_parser().parse_args(command[1:])

    @pytest.mark.parametrize("name", APPS)
    def test_port_healthcheck_and_published_port_agree(self, name: str) -> None:
        spec = service(name)
        port = own_port(name)
        assert spec["ports"] == [f"{port}:{port}"]
        assert f"127.0.0.1:{port}/healthz" in " ".join(spec["healthcheck"]["test"])

    @pytest.mark.parametrize("name", APPS)
    def test_every_variable_is_a_setting_someone_reads(self, name: str) -> None:
        for variable in service(name)["environment"]:
            if variable.startswith(PUBLIC):
                assert variable.removeprefix(PUBLIC).lower() in PublicUrls.model_fields
                continue
            prefix = next(p for p in SETTINGS if variable.startswith(p))
            field = variable.removeprefix(prefix).lower()
            assert field in SETTINGS[prefix].model_fields, variable

    @pytest.mark.parametrize("name", APPS)
    def test_urls_point_at_services_on_their_ports(self, name: str) -> None:
        for variable, value in service(name)["environment"].items():
            if variable.startswith(PUBLIC):
                continue  # where a browser finds them, checked below
            for host, port in re.findall(r"http://(\w+):(\d+)", str(value)):
                assert host in COMPOSE["services"]
                assert int(port) == own_port(host)
                if (name, host) not in OPTIONAL_LINKS:
                    assert host in service(name)["depends_on"]

    @pytest.mark.parametrize("name", ["registration", "ballot", "results"])
    def test_each_service_has_its_own_database(self, name: str) -> None:
        url = service(name)["environment"][f"{name.upper()}_DATABASE_URL"]
        assert url.endswith(f"@postgres:5432/alv_{name}")
        assert f"CREATE DATABASE alv_{name};" in (ROOT / "deploy/postgres-init.sql").read_text()

    def test_every_service_waits_for_healthy_dependencies(self) -> None:
        for name, spec in COMPOSE["services"].items():
            assert "healthcheck" in spec, name
            for dependency in spec.get("depends_on", {}).values():
                assert dependency == {"condition": "service_healthy"}

    @pytest.mark.parametrize("name", ["registration", "ballot", "results"])
    def test_every_service_knows_where_browsers_find_each_part(self, name: str) -> None:
        environment = service(name)["environment"]
        for part in APPS:
            value = environment[f"{PUBLIC}{part.upper()}"]
            assert value.endswith(f":-http://localhost:{own_port(part)}}}"), value

    def test_the_gateway_gets_the_receiver_device(self) -> None:
        spec = service("gateway")
        inside = spec["devices"][0].rsplit(":", 1)[1]
        assert spec["environment"]["GATEWAY_PORTS"] == inside


def _environment(
    name: str, ports: dict[str, int], databases: dict[str, str], variables: dict[str, str]
) -> dict[str, str]:
    env = {}
    for key, raw in service(name)["environment"].items():
        value = _VARIABLE.sub(lambda m: variables[m.group(1)], str(raw))
        for other, port in ports.items():
            value = value.replace(f"http://{other}:{own_port(other)}", f"http://127.0.0.1:{port}")
        if key.endswith("_DATABASE_URL"):
            value = databases[name]
        if key.endswith("_HOST"):
            value = "127.0.0.1"
        if key in (f"{name.upper()}_PORT", "GATEWAY_HTTP_PORT"):
            value = str(ports[name])
        env[key] = value
    return env


@pytest.fixture
def compose_processes() -> Iterator[tuple[dict[str, int], list[subprocess.Popen[bytes]]]]:
    processes: list[subprocess.Popen[bytes]] = []
    yield {name: free_port() for name in APPS}, processes
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=10)


@pytest.mark.db
@pytest.mark.anyio
async def test_the_compose_layout_runs_against_postgresql(
    database_factory: Any,
    token_values: dict[str, str],
    compose_processes: tuple[dict[str, int], list[subprocess.Popen[bytes]]],
    tmp_path: Path,
) -> None:
    if not database_factory.is_postgres:
        pytest.skip("the compose layout runs on PostgreSQL (make test-postgres)")
    ports, processes = compose_processes
    databases = {
        name: database_factory.create(f"compose_{name}")
        for name in ("registration", "ballot", "results")
    }
    # As `alv setup` prints them for .env: each machine's own token.
    minted = await anyio.to_thread.run_sync(
        lambda: mint_credentials(databases["registration"], services=True)
    )
    variables = {
        f"{s.upper()}_SERVICE_TOKEN": minted[s] for s in ("registration", "ballot", "results")
    }
    variables |= {"GATEWAY_TOKEN": minted["gateway"]}
    variables |= {"ALV_MEETING": "alv-compose", "POSTGRES_PASSWORD": "unused"}
    variables |= {f"{PUBLIC}{n.upper()}": f"http://127.0.0.1:{p}" for n, p in ports.items()}
    async with Simulator(receivers=1, handsets=1, config=SimConfig(stat_interval=None)) as hall:
        receiver = hall.receivers[0]
        for name in APPS:
            env = _environment(name, ports, databases, variables)
            if name == "gateway":
                env["GATEWAY_PORTS"] = receiver.port
            command = [sys.executable, "-m", "alv", *service(name)["command"][1:]]
            log = tmp_path / f"{name}.log"
            processes.append(await anyio.to_thread.run_sync(_spawn, command, env, log))
            await _wait_healthy(f"http://127.0.0.1:{ports[name]}/healthz", processes[-1])
        # The gateway found its receiver and told it the state of the meeting.
        await receiver.wait_for_poll("CLOSED", 0, within=15)


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            command, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )


async def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(timeout=1) as client:
        for _ in range(300):
            assert process.poll() is None, f"{url} exited with {process.returncode}"
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await anyio.sleep(0.1)  # a process coming up has no event to wait on
    pytest.fail(f"{url} not healthy in 30 s")
