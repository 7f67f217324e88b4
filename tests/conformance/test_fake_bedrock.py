"""Conformance of the fake Bedrock (tests/fake-bedrock) with boto3, an independent client.

The fake is started as a process (`FAKE_BEDROCK_BIN`, default `target/debug/fake-bedrock`) and
every operation is called through boto3's `bedrock`, `bedrock-runtime` and `sts` clients with
`endpoint_url` pointing at it. botocore parses each response with its own service model; on
top of that every parsed response is checked against the operation's output shape (required
members present, types right, enum values known) and every raw JSON body is checked for
members the shape does not have, so a misspelt member cannot hide behind a lenient parser.

Run: `python -m pytest -q tests/conformance` (scripts/test.sh does, after building the binary).
"""

import datetime
import json
import os
import pathlib
import subprocess
import time
import urllib.error
import urllib.request

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError, EventStreamError

REPO = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("FAKE_BEDROCK_BIN", str(REPO / "target" / "debug" / "fake-bedrock"))

NOVA_PRO = "amazon.nova-pro-v1:0"
ACCOUNT = "123456789012"

# Enum values live responses carry beyond the service model's enums: INFERENCE_PROFILE in
# inferenceTypesSupported (see shared/reference/bedrock-facts.md), and the catalog's VIDEO and
# AUDIO output modalities.
LIVE_ENUM_EXTRAS = {"InferenceType": {"INFERENCE_PROFILE"}, "ModelModality": {"VIDEO", "AUDIO"}}


# --- the fake process and clients --------------------------------------------------------


@pytest.fixture(scope="module")
def fake_url():
    """Starts the fake, reads its `listening on` line, and stops it after the module."""
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"{BINARY} is not built: run `cargo build -p fake-bedrock` or set FAKE_BEDROCK_BIN")
    process = subprocess.Popen([BINARY], stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        prefix = "fake-bedrock listening on "
        assert line.startswith(prefix), f"unexpected first line {line!r}"
        yield line[len(prefix):].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def control(url, path, body=None):
    """Calls a control endpoint: POST with a JSON body (or none), GET for the read-only
    `/__fake/requests` and `/__fake/regions`. Returns the parsed JSON answer, if any."""
    reading = path in ("/__fake/requests", "/__fake/regions")
    data = None if reading else json.dumps(body or {}).encode()
    request = urllib.request.Request(url + path, data=data, method="GET" if reading else "POST")
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


@pytest.fixture(autouse=True)
def reset(fake_url):
    """Every test starts from the default data set with no rules and an empty log."""
    control(fake_url, "/__fake/reset")


class RawBodies:
    """Keeps the raw body of the last non-streaming response a client received."""

    def __init__(self, client):
        self.last = None
        client.meta.events.register("before-parse", self.capture)

    def capture(self, operation_model, response_dict, **_):
        if not operation_model.has_streaming_output:
            self.last = response_dict["body"]


def make_client(url, service, region="us-east-1", **config):
    # One attempt, no retry: ThrottlingException, ModelNotReadyException and 5xx answers would
    # be retried with backoff otherwise. (botocore's `max_attempts` counts retries after the
    # first attempt, so `{"max_attempts": 1}` still retries once; `total_max_attempts` does not.)
    client = boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="AKIDCONFORMANCE0001",
        aws_secret_access_key="conformance-secret",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, **config),
    )
    client.raw = RawBodies(client)
    return client


@pytest.fixture
def bedrock(fake_url):
    return make_client(fake_url, "bedrock")


@pytest.fixture
def runtime(fake_url):
    return make_client(fake_url, "bedrock-runtime")


# --- shape checks ------------------------------------------------------------------------


def assert_shape(value, shape, path="$"):
    """Checks a parsed value against a botocore shape: types, required members, enums."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), f"{path}: expected a structure, got {value!r}"
        for name in shape.required_members:
            assert name in value, f"{path}: required member {name} is missing"
        for name, member in value.items():
            if path == "$" and name == "ResponseMetadata":
                continue
            assert name in shape.members, f"{path}: {name} is not a member of {shape.name}"
            assert_shape(member, shape.members[name], f"{path}.{name}")
    elif kind == "list":
        assert isinstance(value, list), f"{path}: expected a list, got {value!r}"
        for i, item in enumerate(value):
            assert_shape(item, shape.member, f"{path}[{i}]")
    elif kind == "map":
        assert isinstance(value, dict), f"{path}: expected a map, got {value!r}"
        for key, item in value.items():
            assert_shape(item, shape.value, f"{path}[{key!r}]")
    elif kind == "string":
        assert isinstance(value, str), f"{path}: expected a string, got {value!r}"
        if shape.enum:
            allowed = set(shape.enum) | LIVE_ENUM_EXTRAS.get(shape.name, set())
            assert value in allowed, f"{path}: {value!r} is not in {shape.name}'s enum {sorted(allowed)}"
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{path}: expected an integer, got {value!r}"
    elif kind in ("float", "double"):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{path}: expected a number"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{path}: expected a boolean, got {value!r}"
    elif kind == "timestamp":
        assert isinstance(value, datetime.datetime), f"{path}: expected a timestamp, got {value!r}"
    elif kind == "blob":
        assert isinstance(value, (bytes, bytearray)), f"{path}: expected bytes, got {value!r}"


def assert_known_members(raw, shape, path="$"):
    """Checks that a raw JSON value has no member its shape lacks (botocore drops those)."""
    if shape.type_name == "structure" and not shape.metadata.get("document"):
        assert isinstance(raw, dict), f"{path}: expected an object"
        for name, member in raw.items():
            assert name in shape.members, f"{path}: the wire has {name!r}, not a member of {shape.name}"
            assert_known_members(member, shape.members[name], f"{path}.{name}")
    elif shape.type_name == "list":
        for i, item in enumerate(raw):
            assert_known_members(item, shape.member, f"{path}[{i}]")


def conforms(client, operation, response, status=200):
    """Checks a response of `operation` (an AWS operation name) and returns it."""
    model = client.meta.service_model.operation_model(operation)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["ResponseMetadata"]["RequestId"]
    assert_shape(response, model.output_shape)
    if client.meta.service_model.protocol == "rest-json":
        assert_known_members(json.loads(client.raw.last), model.output_shape)
    return response


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return caught.value.response


def arn_of_profile(region, profile_id):
    return f"arn:aws:bedrock:{region}:{ACCOUNT}:inference-profile/{profile_id}"


# --- the control plane -------------------------------------------------------------------


def test_list_foundation_models_serves_each_region_its_own_data(fake_url, bedrock):
    regions = control(fake_url, "/__fake/regions")
    assert {"us-east-1", "us-west-2", "eu-west-1"} <= set(regions)
    for region in regions:
        client = make_client(fake_url, "bedrock", region)
        summaries = conforms(client, "ListFoundationModels", client.list_foundation_models())["modelSummaries"]
        assert len(summaries) == len(regions[region]["models"])
        assert all(s["modelArn"] == f"arn:aws:bedrock:{region}::foundation-model/{s['modelId']}" for s in summaries)

    def nova_types(region):
        client = make_client(fake_url, "bedrock", region)
        models = client.list_foundation_models(byProvider="Amazon")["modelSummaries"]
        return next(m for m in models if m["modelId"] == NOVA_PRO)["inferenceTypesSupported"]

    assert nova_types("us-east-1") == ["ON_DEMAND"]
    assert nova_types("us-west-2") == ["INFERENCE_PROFILE"]


def test_list_foundation_models_filters(bedrock):
    everything = bedrock.list_foundation_models()["modelSummaries"]
    filters = [
        ({"byProvider": "anthropic"}, lambda m: m["providerName"].lower() == "anthropic"),
        ({"byOutputModality": "EMBEDDING"}, lambda m: "EMBEDDING" in m["outputModalities"]),
        ({"byInferenceType": "ON_DEMAND"}, lambda m: "ON_DEMAND" in m["inferenceTypesSupported"]),
        ({"byCustomizationType": "FINE_TUNING"}, lambda m: "FINE_TUNING" in m["customizationsSupported"]),
    ]
    for arguments, keep in filters:
        filtered = conforms(bedrock, "ListFoundationModels", bedrock.list_foundation_models(**arguments))
        assert filtered["modelSummaries"] == [m for m in everything if keep(m)], arguments


def test_get_foundation_model_by_id_and_by_arn(bedrock):
    by_id = conforms(bedrock, "GetFoundationModel", bedrock.get_foundation_model(modelIdentifier=NOVA_PRO))
    assert by_id["modelDetails"]["modelId"] == NOVA_PRO
    assert by_id["modelDetails"]["modelLifecycle"]["status"] == "ACTIVE"
    arn = by_id["modelDetails"]["modelArn"]
    by_arn = conforms(bedrock, "GetFoundationModel", bedrock.get_foundation_model(modelIdentifier=arn))
    assert by_arn["modelDetails"] == by_id["modelDetails"]
    error = error_of(bedrock.get_foundation_model, modelIdentifier="amazon.nova-pro-v9:0")
    assert error["Error"] == {"Code": "ValidationException", "Message": "The provided model identifier is invalid."}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_get_foundation_model_availability(bedrock):
    response = bedrock.get_foundation_model_availability(modelId=NOVA_PRO)
    conforms(bedrock, "GetFoundationModelAvailability", response)
    assert response["agreementAvailability"]["status"] == "AVAILABLE"
    assert response["authorizationStatus"] == "AUTHORIZED"
    assert response["regionAvailability"] == "AVAILABLE"


def test_list_inference_profiles_pages_one_at_a_time_through_every_system_profile(fake_url):
    bedrock = make_client(fake_url, "bedrock", "us-west-2")
    whole = conforms(bedrock, "ListInferenceProfiles", bedrock.list_inference_profiles(typeEquals="SYSTEM_DEFINED"))
    assert "nextToken" not in whole
    expected = [p["inferenceProfileId"] for p in whole["inferenceProfileSummaries"]]
    assert "us.amazon.nova-pro-v1:0" in expected and len(expected) > 3
    assert all(p["type"] == "SYSTEM_DEFINED" and p["status"] == "ACTIVE" for p in whole["inferenceProfileSummaries"])

    seen, token, pages = [], None, 0
    while True:
        arguments = {"maxResults": 1, "typeEquals": "SYSTEM_DEFINED"}
        if token:
            arguments["nextToken"] = token
        page = conforms(bedrock, "ListInferenceProfiles", bedrock.list_inference_profiles(**arguments))
        pages += 1
        assert len(page["inferenceProfileSummaries"]) == 1
        seen += [p["inferenceProfileId"] for p in page["inferenceProfileSummaries"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == expected and pages == len(expected)

    # boto3's own paginator walks the same pages.
    paginator = bedrock.get_paginator("list_inference_profiles")
    pages = paginator.paginate(typeEquals="SYSTEM_DEFINED", PaginationConfig={"PageSize": 2})
    assert [p["inferenceProfileId"] for page in pages for p in page["inferenceProfileSummaries"]] == expected

    # No type: system-defined only. APPLICATION: none yet.
    assert bedrock.list_inference_profiles()["inferenceProfileSummaries"] == whole["inferenceProfileSummaries"]
    applications = bedrock.list_inference_profiles(typeEquals="APPLICATION")
    assert conforms(bedrock, "ListInferenceProfiles", applications)["inferenceProfileSummaries"] == []


def test_get_inference_profile_by_id_and_by_encoded_arn(fake_url):
    bedrock = make_client(fake_url, "bedrock", "us-west-2")
    by_id = bedrock.get_inference_profile(inferenceProfileIdentifier="us.amazon.nova-pro-v1:0")
    conforms(bedrock, "GetInferenceProfile", by_id)
    assert by_id["inferenceProfileArn"] == arn_of_profile("us-west-2", "us.amazon.nova-pro-v1:0")
    assert by_id["models"][0]["modelArn"] == f"arn:aws:bedrock:us-west-2::foundation-model/{NOVA_PRO}"
    assert isinstance(by_id["createdAt"], datetime.datetime)
    by_arn = bedrock.get_inference_profile(inferenceProfileIdentifier=by_id["inferenceProfileArn"])
    assert conforms(bedrock, "GetInferenceProfile", by_arn)["inferenceProfileId"] == "us.amazon.nova-pro-v1:0"
    missing = error_of(bedrock.get_inference_profile, inferenceProfileIdentifier="eu.amazon.nova-pro-v1:0")
    assert missing["Error"]["Code"] == "ResourceNotFoundException"
    assert missing["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_an_application_profile_is_created_used_and_deleted(fake_url):
    bedrock = make_client(fake_url, "bedrock", "us-west-2")
    runtime = make_client(fake_url, "bedrock-runtime", "us-west-2")
    arguments = {
        "inferenceProfileName": "conformance-nova",
        "description": "made by the conformance test",
        "clientRequestToken": "conformance-token-1",
        "modelSource": {"copyFrom": arn_of_profile("us-west-2", "us.amazon.nova-pro-v1:0")},
        "tags": [{"key": "suite", "value": "conformance"}],
    }
    created = conforms(bedrock, "CreateInferenceProfile", bedrock.create_inference_profile(**arguments), status=201)
    arn = created["inferenceProfileArn"]
    assert arn.startswith(f"arn:aws:bedrock:us-west-2:{ACCOUNT}:application-inference-profile/")
    assert created["status"] == "ACTIVE"
    # The same token again: the same profile, nothing new.
    assert bedrock.create_inference_profile(**arguments)["inferenceProfileArn"] == arn

    profile = conforms(bedrock, "GetInferenceProfile", bedrock.get_inference_profile(inferenceProfileIdentifier=arn))
    assert profile["type"] == "APPLICATION" and profile["description"] == "made by the conformance test"
    listed = bedrock.list_inference_profiles(typeEquals="APPLICATION")["inferenceProfileSummaries"]
    assert [p["inferenceProfileArn"] for p in listed] == [arn]

    reply = runtime.converse(modelId=arn, messages=[{"role": "user", "content": [{"text": "hello"}]}])
    assert conforms(runtime, "Converse", reply)["stopReason"] == "end_turn"

    conforms(bedrock, "DeleteInferenceProfile", bedrock.delete_inference_profile(inferenceProfileIdentifier=arn))
    gone = error_of(bedrock.get_inference_profile, inferenceProfileIdentifier=arn)
    assert gone["Error"]["Code"] == "ResourceNotFoundException"


def test_create_inference_profile_from_a_foundation_model(bedrock):
    source = f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA_PRO}"
    created = bedrock.create_inference_profile(inferenceProfileName="direct", modelSource={"copyFrom": source})
    conforms(bedrock, "CreateInferenceProfile", created, status=201)
    profile = bedrock.get_inference_profile(inferenceProfileIdentifier=created["inferenceProfileArn"])
    assert profile["models"] == [{"modelArn": source}]


# --- the runtime -------------------------------------------------------------------------


MESSAGES = [{"role": "user", "content": [{"text": "Say hello to the conformance test"}]}]


def test_converse(runtime):
    reply = conforms(runtime, "Converse", runtime.converse(modelId=NOVA_PRO, messages=MESSAGES))
    assert reply["output"]["message"]["role"] == "assistant"
    assert NOVA_PRO in reply["output"]["message"]["content"][0]["text"]
    usage = reply["usage"]
    assert usage["inputTokens"] == 6 and usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    assert reply["metrics"]["latencyMs"] >= 1


def test_converse_refuses_what_the_region_cannot_serve(fake_url):
    runtime = make_client(fake_url, "bedrock-runtime", "us-west-2")
    on_demand = error_of(runtime.converse, modelId=NOVA_PRO, messages=MESSAGES)
    assert on_demand["Error"] == {
        "Code": "ValidationException",
        "Message": f"Invocation of model ID {NOVA_PRO} with on-demand throughput isn\u2019t supported. "
        "Retry your request with the ID or ARN of an inference profile that contains this model.",
    }
    assert on_demand["ResponseMetadata"]["HTTPStatusCode"] == 400
    other_geo = error_of(runtime.converse, modelId="eu.amazon.nova-pro-v1:0", messages=MESSAGES)
    assert other_geo["Error"] == {"Code": "ValidationException", "Message": "The provided model identifier is invalid."}
    assert runtime.converse(modelId="us.amazon.nova-pro-v1:0", messages=MESSAGES)["stopReason"] == "end_turn"


def test_converse_stream_events_parse_in_order(runtime):
    response = runtime.converse_stream(modelId="us.amazon.nova-pro-v1:0", messages=MESSAGES)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    union = runtime.meta.service_model.shape_for("ConverseStreamOutput")
    events = list(response["stream"])
    for event in events:
        assert len(event) == 1, event
        (name, payload), = event.items()
        assert_shape(payload, union.members[name], f"$.{name}")
    names = [next(iter(event)) for event in events]
    assert names[0] == "messageStart" and names[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    assert set(names[1:-3]) == {"contentBlockDelta"}
    text = "".join(event["contentBlockDelta"]["delta"]["text"] for event in events[1:-3])
    assert text.startswith("Hello from the fake Bedrock: amazon.nova-pro-v1:0 answered through us.amazon.nova-pro-v1:0")
    assert events[-2]["messageStop"]["stopReason"] == "end_turn"
    assert events[-1]["metadata"]["metrics"]["latencyMs"] >= 1


def test_a_mid_stream_exception_reaches_the_client(fake_url, runtime):
    rule = {"operation": "ConverseStream", "error": "Throttling", "times": 1, "mid_stream": True}
    control(fake_url, "/__fake/script", {"rules": [rule]})
    response = runtime.converse_stream(modelId=NOVA_PRO, messages=MESSAGES)
    with pytest.raises(EventStreamError) as caught:
        list(response["stream"])
    assert caught.value.response["Error"]["Code"] == "throttlingException"
    assert caught.value.response["Error"]["Message"] == "Too many requests, please wait before trying again."


# --- STS ---------------------------------------------------------------------------------


def test_sts_get_caller_identity(fake_url):
    sts = make_client(fake_url, "sts")
    identity = conforms(sts, "GetCallerIdentity", sts.get_caller_identity())
    assert identity["Account"] == ACCOUNT
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/fake-bedrock"
    assert identity["UserId"]

    rule = {"operation": "GetCallerIdentity", "error": "ExpiredToken", "times": 1}
    control(fake_url, "/__fake/script", {"rules": [rule]})
    expired = error_of(sts.get_caller_identity)
    assert expired["Error"]["Code"] == "ExpiredToken"
    assert expired["ResponseMetadata"]["HTTPStatusCode"] == 403


# --- errors ------------------------------------------------------------------------------

ON_DEMAND_OLD = "The provided model doesn't support on-demand throughput."

# (the control JSON of the error, its code, its status, the start of its message)
SCRIPTED_ERRORS = [
    ("InvalidModelIdentifier", "ValidationException", 400, "The provided model identifier is invalid."),
    ("OnDemandNotSupportedOldWording", "ValidationException", 400, ON_DEMAND_OLD),
    ("AccessDenied", "AccessDeniedException", 403, "You don't have access to the model"),
    ("MarketplaceAccessDenied", "AccessDeniedException", 403, "Model access is denied due to IAM user"),
    ("UseCaseFormRequired", "ResourceNotFoundException", 404, "Model use case details have not been submitted"),
    ("EndOfLife", "ResourceNotFoundException", 404, "This model version has reached the end of its life."),
    ("LegacyNotActive", "ResourceNotFoundException", 404, "Access denied. This Model is marked by provider as Legacy"),
    ("Throttling", "ThrottlingException", 429, "Too many requests, please wait before trying again."),
    ("TooManyTokens", "ThrottlingException", 429, "Too many tokens, please wait before trying again."),
    ("ModelNotReady", "ModelNotReadyException", 429, "The model specified in the request is not ready"),
    ("ModelTimeout", "ModelTimeoutException", 408, "Model has timed out in processing the request."),
    ("ModelError", "ModelErrorException", 424, "The request failed due to an error while processing the model."),
    ("ServiceUnavailable", "ServiceUnavailableException", 503, "Bedrock is unable to process your request."),
    ("InternalServer", "InternalServerException", 500, "The system encountered an unexpected error"),
    ("ExpiredToken", "ExpiredTokenException", 403, "The security token included in the request is expired"),
    ("UnrecognizedClient", "UnrecognizedClientException", 403, "The security token included in the request is invalid"),
    (
        {"Custom": {"status": 400, "error_type": "ServiceQuotaExceededException", "message": "quota"}},
        "ServiceQuotaExceededException",
        400,
        "quota",
    ),
]


SCRIPTED_ERROR_IDS = [error if isinstance(error, str) else "Custom" for error, *_ in SCRIPTED_ERRORS]


@pytest.mark.parametrize("error,code,status,message", SCRIPTED_ERRORS, ids=SCRIPTED_ERROR_IDS)
def test_a_scripted_error_arrives_with_its_code_status_and_message(fake_url, runtime, error, code, status, message):
    rule = {"operation": "Converse", "model": NOVA_PRO, "error": error, "times": 1}
    control(fake_url, "/__fake/script", {"rules": [rule]})
    response = error_of(runtime.converse, modelId=NOVA_PRO, messages=MESSAGES)
    assert response["Error"]["Code"] == code
    assert response["Error"]["Message"].startswith(message)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    # Used up: the next call succeeds.
    assert runtime.converse(modelId=NOVA_PRO, messages=MESSAGES)["stopReason"] == "end_turn"


def test_scripted_errors_reach_every_operation(fake_url, bedrock):
    control(fake_url, "/__fake/script", {"rules": [{"error": "Throttling", "times": 3}]})
    calls = (
        bedrock.list_foundation_models,
        bedrock.list_inference_profiles,
        lambda: bedrock.get_foundation_model(modelIdentifier=NOVA_PRO),
    )
    for call in calls:
        assert error_of(call)["Error"]["Code"] == "ThrottlingException"
    conforms(bedrock, "ListFoundationModels", bedrock.list_foundation_models())


def test_an_unsigned_request_is_refused_with_403(fake_url):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(fake_url + "/foundation-models", timeout=10)
    assert caught.value.code == 403
    assert caught.value.headers["x-amzn-errortype"].split(":")[0] == "AccessDeniedException"
    assert json.loads(caught.value.read()) == {"Message": "Authorization header is missing"}

    unsigned = make_client(fake_url, "bedrock", signature_version=UNSIGNED)
    refused = error_of(unsigned.list_foundation_models)
    assert refused["Error"] == {"Code": "AccessDeniedException", "Message": "Authorization header is missing"}
    assert refused["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_injected_latency_and_the_request_log(fake_url):
    latency = {"operation": "ListFoundationModels", "region": "eu-west-1", "delay_ms": 300}
    control(fake_url, "/__fake/script", {"latency": [latency]})
    bedrock = make_client(fake_url, "bedrock", "eu-west-1")
    started = time.monotonic()
    bedrock.list_foundation_models()
    assert time.monotonic() - started >= 0.3

    runtime = make_client(fake_url, "bedrock-runtime", "eu-west-1")
    runtime.converse(modelId=arn_of_profile("eu-west-1", "eu.amazon.nova-pro-v1:0"), messages=MESSAGES)
    log = control(fake_url, "/__fake/requests")
    assert [(r["operation"], r["region"], r["status"]) for r in log] == [
        ("ListFoundationModels", "eu-west-1", 200),
        ("Converse", "eu-west-1", 200),
    ]
    assert log[1]["model_id"] == arn_of_profile("eu-west-1", "eu.amazon.nova-pro-v1:0")
    assert "%2F" in log[1]["path"] and log[1]["access_key_id"] == "AKIDCONFORMANCE0001"


def test_a_model_made_profile_only_through_the_control_endpoint(fake_url, runtime):
    patch = {"region": "us-east-1", "model_id": NOVA_PRO, "inference_types": ["INFERENCE_PROFILE"]}
    control(fake_url, "/__fake/script", {"models": [patch]})
    refused = error_of(runtime.converse, modelId=NOVA_PRO, messages=MESSAGES)
    assert refused["Error"]["Message"].startswith(f"Invocation of model ID {NOVA_PRO} with on-demand throughput")


def test_a_profile_status_set_through_the_control_endpoint(fake_url, bedrock):
    """A status the service model does not list (it lists only ACTIVE) still parses: botocore,
    like the Rust SDK, keeps an unknown enum value as a string. The rest of the response
    conforms."""
    profile_id = "us.amazon.nova-pro-v1:0"
    patch = {"region": "us-east-1", "profile_id": profile_id, "status": "DISABLED"}
    control(fake_url, "/__fake/script", {"profiles": [patch]})
    profile = bedrock.get_inference_profile(inferenceProfileIdentifier=profile_id)
    assert profile["status"] == "DISABLED"
    conforms(bedrock, "GetInferenceProfile", {**profile, "status": "ACTIVE"})
    listed = bedrock.list_inference_profiles(typeEquals="SYSTEM_DEFINED")["inferenceProfileSummaries"]
    assert [p["status"] for p in listed if p["inferenceProfileId"] == profile_id] == ["DISABLED"]
    assert all(p["status"] == "ACTIVE" for p in listed if p["inferenceProfileId"] != profile_id)

    missing = {"region": "us-east-1", "profile_id": "eu.amazon.nova-pro-v1:0", "status": "DISABLED"}
    with pytest.raises(urllib.error.HTTPError) as refused:
        control(fake_url, "/__fake/script", {"profiles": [missing]})
    assert refused.value.code == 422
    assert refused.value.read().decode() == "us-east-1 has no inference profile `eu.amazon.nova-pro-v1:0`"
