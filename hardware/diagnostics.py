"""The gateway's diagnostics app: health, receivers, handsets and Prometheus metrics.

It reads the gateway's in-memory state on the gateway's own event loop (uvicorn
serves it in the same loop), so no locking is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from hardware.gateway import LATENCY_BUCKETS

if TYPE_CHECKING:
    from hardware.gateway import Gateway

DECODER_KINDS = ("frames_ok", "bad_crc", "malformed", "unknown_type")


def create_app(gateway: Gateway) -> FastAPI:
    app = FastAPI(title="ALV gateway diagnostics", docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return gateway.health_json()

    @app.get("/api/receivers")
    async def receivers() -> list[dict[str, Any]]:
        return gateway.receivers_json()

    @app.get("/api/handsets")
    async def handsets() -> list[dict[str, Any]]:
        return gateway.handsets_json()

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> str:
        return render_metrics(gateway)

    return app


def _label(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def render_metrics(gateway: Gateway) -> str:
    """Prometheus text exposition format 0.0.4, written out by hand."""
    lines: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")

    family("gateway_receiver_connected", "gauge", "1 while the receiver's port is open.")
    for link in gateway.links:
        lines.append(
            f"gateway_receiver_connected{{port={_label(link.port.spec)},rx={_label(link.port.rx)}}}"
            f" {int(link.port.connected)}"
        )
    family("gateway_receiver_reconnects_total", "counter", "Port reopenings after a loss.")
    for link in gateway.links:
        lines.append(
            f"gateway_receiver_reconnects_total{{port={_label(link.port.spec)}}}"
            f" {link.port.stats.reconnects}"
        )
    family("gateway_frames_total", "counter", "Frames read, by outcome.")
    for link in gateway.links:
        stats = link.port.decoder.stats.as_dict()
        for kind in DECODER_KINDS:
            lines.append(
                f"gateway_frames_total{{port={_label(link.port.spec)},kind={_label(kind)}}}"
                f" {stats[kind]}"
            )
    family("gateway_noise_bytes_total", "counter", "Bytes read outside any frame.")
    for link in gateway.links:
        lines.append(
            f"gateway_noise_bytes_total{{port={_label(link.port.spec)}}}"
            f" {link.port.decoder.stats.noise_bytes}"
        )
    family("gateway_acks_total", "counter", "ACKs written, by status.")
    for link in gateway.links:
        for status, count in sorted(link.acks.items()):
            lines.append(
                f"gateway_acks_total{{port={_label(link.port.spec)},status={_label(status)}}}"
                f" {count}"
            )
    family("gateway_events_total", "counter", "Presses and batches, by event.")
    for event, count in sorted(gateway.counters.items()):
        lines.append(f"gateway_events_total{{event={_label(event)}}} {count}")
    family("gateway_queue_depth", "gauge", "Presses held: waiting for a batch or on their way.")
    lines.append(f"gateway_queue_depth {gateway.queue_depth}")
    family("gateway_handsets_seen", "gauge", "Handsets heard since start.")
    lines.append(f"gateway_handsets_seen {len(gateway.handsets)}")
    family("gateway_vote_open", "gauge", "1 while the ballot service reports an open vote.")
    state = gateway.ballot_state
    lines.append(f"gateway_vote_open {int(state is not None and state.state == 'OPEN')}")
    family("gateway_press_ack_seconds", "histogram", "From reading a KEY to writing its ACK.")
    latency = gateway.latency
    for bound, count in zip(LATENCY_BUCKETS, latency.buckets, strict=True):
        lines.append(f'gateway_press_ack_seconds_bucket{{le="{bound}"}} {count}')
    lines.append(f'gateway_press_ack_seconds_bucket{{le="+Inf"}} {latency.count}')
    lines.append(f"gateway_press_ack_seconds_sum {latency.total}")
    lines.append(f"gateway_press_ack_seconds_count {latency.count}")
    return "\n".join(lines) + "\n"
