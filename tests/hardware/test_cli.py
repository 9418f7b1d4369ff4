"""Command-line wiring and settings."""

from __future__ import annotations

import argparse

import pytest

from hardware.cli import register_cli, settings_from_args
from hardware.config import GatewaySettings
from hardware.simcli import link_paths, parse_keys


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="alv")
    register_cli(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


class TestGatewayCli:
    def test_flags_override_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("GATEWAY_PORTS", "/dev/ttyACM0,/dev/ttyACM1")
        monkeypatch.setenv("GATEWAY_MEETING", "from-env")
        monkeypatch.setenv("GATEWAY_TOKEN", "env-token-1234")
        settings = settings_from_args(
            parse(
                "gateway", "--port", "/tmp/alv-rx1", "--port", "usb:2341:0043", "--http-port", "0"
            )
        )
        assert settings.ports == ["/tmp/alv-rx1", "usb:2341:0043"]
        assert settings.meeting == "from-env"
        assert settings.token.get_secret_value() == "env-token-1234"
        assert settings.http_port == 0
        assert settings.batch_max == 200

    def test_environment_ports_as_json(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("GATEWAY_PORTS", '["/dev/a", "/dev/b"]')
        assert GatewaySettings().ports == ["/dev/a", "/dev/b"]

    @pytest.mark.parametrize("token", ["", "changeme"])
    def test_refuses_to_start_without_a_real_token(self, token: str) -> None:
        settings = GatewaySettings(ports=["loop://"], meeting="m", token=token)
        with pytest.raises(ValueError, match="token"):
            settings.check_runnable()

    def test_token_is_not_printed(self) -> None:
        assert "s3cret-value" not in repr(GatewaySettings(token="s3cret-value"))


class TestSimulateCli:
    def test_defaults(self) -> None:
        args = parse("simulate", "--receivers", "2", "--link", "/tmp/alv-rx{n}", "--unpaced")
        assert (args.handsets, args.unpaced, args.garbage_rate) == (342, True, 0.0)
        assert link_paths(args.link, 2) == ["/tmp/alv-rx1", "/tmp/alv-rx2"]

    def test_links_per_receiver(self) -> None:
        assert link_paths(["/a"], 2) == ["/a", None]

    def test_keys(self) -> None:
        assert parse_keys("1=0.6,2=0.3,3=0.1") == {1: 0.6, 2: 0.3, 3: 0.1}
