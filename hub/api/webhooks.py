"""Webhook intake at `/webhooks/{connector_id}`: answered 2xx only once the delivery is durable."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from hub.api.problems import problem
from hub.sdk.connector import WebhookMalformed, WebhookRejected
from hub.sync.handshakes import PARAMETER, handshake
from hub.sync.inbox import UnknownConnector
from hub.sync.runtime import Runtime

router = APIRouter(tags=["webhooks"])
MAX_BODY = 5 * 1024 * 1024
#: the two answers a delivery gets, encoded once (every delivery gets one)
_ACCEPTED, _DUPLICATE = b'{"status":"accepted"}', b'{"status":"duplicate"}'

@router.head("/webhooks/{connector_id}", operation_id="check_webhook_target",
             summary="Answer a tool's check of its callback URL (HEAD)",
             responses={200: {"description": "the connector takes webhooks here"},
                        404: {"description": "no such connector"}})
@router.get("/webhooks/{connector_id}", operation_id="check_webhook_target_get",
            summary="Answer a tool's check of its callback URL (GET)",
            responses={200: {"description": "the connector takes webhooks here"},
                       404: {"description": "no such connector"}})
async def callback_check(connector_id: str, request: Request) -> JSONResponse:
    """Tools such as Trello and Smartsheet send a HEAD (or GET) to the callback URL before they
    create a webhook, and create it only if the URL answers 200."""
    rt: Runtime | None = request.app.state.runtime
    if rt is None or connector_id not in rt.connectors:
        return problem(404, "Unknown connector",
                       f"no connector {connector_id!r} is configured to take webhooks")
    return JSONResponse({"connector": connector_id, "status": "ready for webhooks"})


def public_url(rt: Runtime, request: Request) -> str:
    """The URL the tool sent the request to, as the tool knows it: `server.public_url` with the
    request's path and query (behind a proxy the hub sees another host), else the request's."""
    base = rt.config.server.public_url
    if not base:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{base.rstrip('/')}{request.url.path}{query}"


@router.post("/webhooks/{connector_id}", status_code=202,
             summary="Receive a tool's webhook delivery",
             responses={400: {"description": "signed, but not a delivery the tool sends"},
                        401: {"description": "signature missing or invalid, or a handshake "
                                            "the hub did not ask for"},
                        404: {"description": "no such connector"},
                        413: {"description": "body too large"}})
async def webhook(connector_id: str, request: Request) -> Response:
    """Verify and store one delivery; 202 once it is durable, 200 for a duplicate. A tool's
    handshake (Asana's X-Hook-Secret) is answered at once, if it comes to the one-time address
    of a webhook the hub is registering."""
    rt: Runtime | None = request.app.state.runtime
    if rt is None:
        return problem(503, "Webhooks not enabled", "this server runs without connectors")
    connector = rt.connectors.get(connector_id)
    if connector is None:
        return problem(404, "Unknown connector",
                       f"no connector {connector_id!r} is configured to take webhooks")
    if connector.handshake(request.headers) is not None:  # rare: no thread hop for deliveries
        peer = request.client.host if request.client else None
        try:
            answer = await asyncio.to_thread(handshake, rt, connector_id, dict(request.headers),
                                             request.query_params.get(PARAMETER), peer)
        except WebhookRejected as exc:
            return problem(401, "Handshake refused", str(exc))
        if answer is not None:
            return JSONResponse({"status": "handshake accepted"}, status_code=200,
                                headers=answer)
    body = await _read_body(request)
    if body is None:
        return problem(413, "Payload too large", f"deliveries are limited to {MAX_BODY} bytes")
    echo = rt.connectors[connector_id].challenge(body)
    if echo is not None:  # monday.com: echo the challenge before it creates the webhook
        return Response(echo, status_code=200, media_type="application/json")
    headers = dict(request.headers)
    try:
        received = await request.app.state.inbox.receive(connector_id, headers, body,
                                                         public_url(rt, request))
    except UnknownConnector:
        return problem(404, "Unknown connector",
                       f"no connector {connector_id!r} is configured to take webhooks")
    except WebhookRejected as exc:
        return problem(401, "Webhook rejected", str(exc))
    except WebhookMalformed as exc:
        return problem(400, "Malformed delivery", exc.reason)
    # Its drain was asked for as the delivery committed (hub.sync.wake).
    if received.duplicate:
        return Response(_DUPLICATE, status_code=200, media_type="application/json")
    return Response(_ACCEPTED, status_code=202, media_type="application/json")


async def _read_body(request: Request) -> bytes | None:
    """The body, or None if it is larger than `MAX_BODY`: reading stops there, so an endless
    or huge upload costs no more memory than an allowed one."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)
