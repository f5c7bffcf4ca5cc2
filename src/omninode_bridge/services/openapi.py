"""Hand-written OpenAPI 3.0 documents of the three services (served at ``/openapi.json``).

They are kept accurate enough for a fuzzer: every documented status is one the service can
return for that operation, and request schemas match the server's validation. Limits that
are flags (``wait``, ``ms``, ``units``) are passed in so the document tells the truth.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STR = {"type": "string", "minLength": 1, "maxLength": 256}
STR_LIST = {"type": "array", "items": {"type": "string"}, "maxItems": 10000}
ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}
ANY_OBJECT: Schema = {"type": "object"}


def json_body(schema: Schema) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def resp(description: str, schema: Schema | None = None, media: str = "application/json") -> Schema:
    out: Schema = {"description": description}
    if schema is not None:
        out["content"] = {media: {"schema": schema}}
    return out


def err(description: str) -> Schema:
    return resp(description, ERROR)


def obj(required: list[str], **props: Schema) -> Schema:
    return {"type": "object", "required": required, "properties": props}


def query(name: str, schema: Schema, description: str = "") -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def path_param(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def post(summary: str, body: Schema, responses: dict[str, Schema]) -> Schema:
    return {
        "post": {
            "summary": summary,
            "requestBody": json_body(body),
            "responses": {
                "413": err("body larger than the service's limit"),
                "415": err("not application/json"),
                **responses,
            },
        }
    }


def common_paths(service: str) -> dict[str, Schema]:
    health = obj(
        ["status", "service", "uptime_s"],
        status={"type": "string", "enum": ["ok"]},
        service={"type": "string", "enum": [service]},
        uptime_s={"type": "number"},
    )
    faults = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "delay_ms": {"type": "number", "minimum": 0, "maximum": 60000},
            "error_rate": {"type": "number", "minimum": 0, "maximum": 1},
        },
    }
    return {
        "/health": {"get": {"summary": "liveness", "responses": {"200": resp("ok", health)}}},
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {"200": resp("text format", {"type": "string"}, "text/plain")},
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "this document",
                "responses": {"200": resp("OpenAPI document", ANY_OBJECT)},
            }
        },
        "/admin/faults": post(
            "inject latency/errors (only with --enable-admin)",
            faults,
            {
                "200": resp("faults now active", faults),
                "400": err("bad body"),
                "404": err("admin disabled"),
            },
        ),
    }


def document(title: str, service: str, paths: dict[str, Schema]) -> Schema:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": "OmniNode Bridge reference service; see docs/services-api.md",
        },
        "paths": {**common_paths(service), **paths},
    }


EVENT = {
    "type": "object",
    "required": ["type", "service", "event"],
    "properties": {
        "id": STR,
        "type": STR,
        "service": STR,
        "event": STR,
        "timestamp": {"type": "number"},
        "metadata": {"type": "object"},
    },
}
STORED_EVENT = obj(
    ["seq", "id", "type", "service", "event", "timestamp", "received_at", "metadata"],
    seq={"type": "integer"},
    id={"type": "string"},
    type={"type": "string"},
    service={"type": "string"},
    event={"type": "string"},
    timestamp={"type": "number"},
    received_at={"type": "number"},
    metadata={"type": "object"},
)
PATTERN = obj(
    [
        "id",
        "kind",
        "service",
        "description",
        "sequence",
        "support",
        "confidence",
        "discovered_at",
        "first_event_at",
    ],
    id={"type": "string"},
    kind={"type": "string", "enum": ["sequence", "tool_usage", "error_burst"]},
    service={"type": "string"},
    description={"type": "string"},
    sequence={"type": "array", "items": {"type": "string"}},
    support={"type": "integer"},
    confidence={"type": "number"},
    discovered_at={"type": "number"},
    first_event_at={"type": "number"},
    stats={"type": "object", "nullable": True},
)
LEARN = {
    "type": "object",
    "required": ["service"],
    "properties": {
        "service": STR,
        "events": STR_LIST,
        "feedback": obj(["recent_events", "actual"], recent_events=STR_LIST, actual=STR),
    },
    "anyOf": [{"required": ["events"]}, {"required": ["feedback"]}],
}


def hook_receiver_spec(max_wait_s: float = 60.0) -> Schema:
    ack = obj(
        ["accepted", "id", "seq"],
        accepted={"type": "boolean"},
        id={"type": "string"},
        seq={"type": "integer"},
    )
    events = obj(
        ["events", "last_seq"],
        events={"type": "array", "items": STORED_EVENT},
        last_seq={"type": "integer"},
    )
    patterns = obj(
        ["patterns", "now"], patterns={"type": "array", "items": PATTERN}, now={"type": "number"}
    )
    prediction = obj(
        ["event", "probability"], event={"type": "string"}, probability={"type": "number"}
    )
    predict = obj(
        ["service", "recent_events"],
        service=STR,
        recent_events=STR_LIST,
        top_k={"type": "integer", "minimum": 1, "maximum": 100},
    )
    return document(
        "hook_receiver",
        "hook_receiver",
        {
            "/hooks": post(
                "ingest one event (202 once durably stored)",
                EVENT,
                {
                    "202": resp("stored", ack),
                    "400": err("bad event"),
                    "413": err("too large"),
                    "503": err("store unavailable"),
                },
            ),
            "/events": {
                "get": {
                    "summary": "stored events, by sequence number",
                    "parameters": [
                        query("service", {"type": "string"}),
                        query(
                            "since",
                            {"type": "integer", "minimum": 0, "maximum": 2**62},
                            "events with seq > since",
                        ),
                        query("limit", {"type": "integer", "minimum": 1, "maximum": 10000}),
                    ],
                    "responses": {"200": resp("events", events), "400": err("bad query")},
                }
            },
            "/patterns": {
                "get": {
                    "summary": "discovered patterns (long-poll with wait)",
                    "parameters": [
                        query("since", {"type": "string"}, "ms since the epoch or ISO 8601"),
                        query("wait", {"type": "number", "minimum": 0, "maximum": max_wait_s}),
                    ],
                    "responses": {"200": resp("patterns", patterns), "400": err("bad query")},
                }
            },
            "/predict": post(
                "most likely next events",
                predict,
                {
                    "200": resp(
                        "predictions",
                        obj(
                            ["predictions", "model_events_seen"],
                            predictions={"type": "array", "items": prediction},
                            model_events_seen={"type": "integer"},
                        ),
                    ),
                    "400": err("bad body"),
                },
            ),
            "/learn": post(
                "update the model now",
                LEARN,
                {
                    "200": resp(
                        "updated",
                        obj(
                            ["updated", "model_events_seen"],
                            updated={"type": "boolean"},
                            model_events_seen={"type": "integer"},
                            correct={"type": "boolean"},
                        ),
                    ),
                    "400": err("bad body"),
                },
            ),
            "/model/stats": {
                "get": {
                    "summary": "prediction model statistics",
                    "responses": {
                        "200": resp(
                            "stats",
                            obj(
                                ["events_seen", "services", "predictions", "accuracy"],
                                events_seen={"type": "integer"},
                                services={"type": "integer"},
                                predictions={"type": "integer"},
                                accuracy={"type": "number", "nullable": True},
                            ),
                        )
                    },
                }
            },
            "/discovery/stats": {
                "get": {
                    "summary": "discovery pipeline progress",
                    "responses": {
                        "200": resp(
                            "stats",
                            obj(
                                [
                                    "events_processed",
                                    "last_processed_seq",
                                    "pending",
                                    "patterns",
                                    "discoverer",
                                ],
                                events_processed={"type": "integer"},
                                last_processed_seq={"type": "integer"},
                                pending={"type": "integer"},
                                patterns={"type": "integer"},
                                discoverer={"type": "string"},
                            ),
                        )
                    },
                }
            },
        },
    )


TOOL_INFO = obj(
    ["tool", "service", "url", "idempotent"],
    tool={"type": "string"},
    service={"type": "string"},
    url={"type": "string"},
    idempotent={"type": "boolean"},
)


def tool_proxy_spec(max_sleep_ms: float = 60000.0, max_cpu_units: int = 10000) -> Schema:
    call = obj(["tool"], tool=STR, parameters={"type": "object"})
    result = obj(
        ["tool", "result", "duration_ms", "attempts"],
        tool={"type": "string"},
        result={},
        duration_ms={"type": "number"},
        attempts={"type": "integer"},
    )
    return document(
        "tool_proxy",
        "tool_proxy",
        {
            "/proxy/call": post(
                "call a registered tool",
                call,
                {
                    "200": resp("the tool's result", result),
                    "400": err("bad body"),
                    "404": err("unknown tool"),
                    "502": err("tool failed"),
                    "503": err("circuit open"),
                    "504": err("tool timed out"),
                },
            ),
            "/tools": {
                "get": {
                    "summary": "tools known through the registry",
                    "responses": {
                        "200": resp(
                            "tools", obj(["tools"], tools={"type": "array", "items": TOOL_INFO})
                        ),
                        "503": err("registry unavailable"),
                    },
                }
            },
            "/tools/echo": post(
                "returns its parameters",
                ANY_OBJECT,
                {"200": resp("the parameters", ANY_OBJECT), "400": err("bad body")},
            ),
            "/tools/sleep": post(
                "sleeps ms milliseconds",
                {
                    "type": "object",
                    "properties": {"ms": {"type": "number", "minimum": 0, "maximum": max_sleep_ms}},
                },
                {
                    "200": resp("slept", obj(["slept_ms"], slept_ms={"type": "number"})),
                    "400": err("bad body"),
                },
            ),
            "/tools/fail": post(
                "fails with probability rate (default 1)",
                {
                    "type": "object",
                    "properties": {"rate": {"type": "number", "minimum": 0, "maximum": 1}},
                },
                {
                    "200": resp("did not fail", obj(["ok"], ok={"type": "boolean"})),
                    "400": err("bad body"),
                    "500": err("the tool failed (by design)"),
                },
            ),
            "/tools/cpu": post(
                "burns CPU for units work units",
                {
                    "type": "object",
                    "properties": {
                        "units": {"type": "integer", "minimum": 0, "maximum": max_cpu_units}
                    },
                },
                {
                    "200": resp(
                        "done",
                        obj(
                            ["units", "checksum"],
                            units={"type": "integer"},
                            checksum={"type": "integer"},
                        ),
                    ),
                    "400": err("bad body"),
                },
            ),
        },
    )


TOOL_DEF = obj(
    ["name", "path"],
    name=STR,
    path={"type": "string", "pattern": "^/", "maxLength": 256},
    idempotent={"type": "boolean"},
)
SERVICE_IN = obj(
    ["name", "url"],
    name={"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,100}$"},
    url={
        "type": "string",
        "maxLength": 2048,
        "pattern": "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\\s]*)?$",
    },
    tools={"type": "array", "items": TOOL_DEF, "maxItems": 1000},
    ttl_s={"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 86400},
)
SERVICE_OUT = obj(
    ["name", "url", "tools", "ttl_s", "registered_at", "last_heartbeat", "expires_at"],
    name={"type": "string"},
    url={"type": "string"},
    tools={"type": "array", "items": TOOL_DEF},
    ttl_s={"type": "number"},
    registered_at={"type": "number"},
    last_heartbeat={"type": "number"},
    expires_at={"type": "number"},
)


def service_registry_spec() -> Schema:
    name = [path_param("name")]
    return document(
        "service_registry",
        "service_registry",
        {
            "/services": {
                **post(
                    "register (or replace) a service",
                    SERVICE_IN,
                    {"201": resp("registered", SERVICE_OUT), "400": err("bad body")},
                ),
                "get": {
                    "summary": "live services",
                    "responses": {
                        "200": resp(
                            "services",
                            obj(["services"], services={"type": "array", "items": SERVICE_OUT}),
                        )
                    },
                },
            },
            "/services/{name}": {
                "get": {
                    "summary": "one service",
                    "parameters": name,
                    "responses": {
                        "200": resp("the service", SERVICE_OUT),
                        "404": err("unknown or expired"),
                    },
                },
                "delete": {
                    "summary": "deregister",
                    "parameters": name,
                    "responses": {"204": resp("deleted"), "404": err("unknown or expired")},
                },
            },
            "/services/{name}/heartbeat": {
                "post": {
                    "summary": "extend the TTL",
                    "parameters": name,
                    "responses": {
                        "200": resp("the service", SERVICE_OUT),
                        "404": err("unknown or expired"),
                    },
                }
            },
            "/tools/{tool}": {
                "get": {
                    "summary": "which service serves a tool",
                    "parameters": [path_param("tool")],
                    "responses": {"200": resp("the tool", TOOL_INFO), "404": err("unknown tool")},
                }
            },
        },
    )
