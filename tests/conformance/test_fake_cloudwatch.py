"""Conformance of the fake's CloudWatch (GetMetricData, ListMetrics) with boto3.

The Rust SDK (aws-sdk-cloudwatch 1.140) speaks Smithy RPC v2 CBOR; boto3 prefers awsJson 1.0
for CloudWatch (botocore ranks `json` above `smithy-rpc-v2-cbor`). The fake serves both, so
every test runs twice: once as boto3 chooses, once with botocore made to choose CBOR. botocore
parses each answer with its own service model, and each parsed answer is checked against the
operation's output shape (`conforms`); the awsJson bodies are also checked for members the
shape does not have.

Run: `python -m pytest -q tests/conformance` (scripts/test.sh does).
"""

import datetime
import json

import botocore.model
import pytest
from botocore import UNSIGNED

from test_fake_bedrock import assert_known_members, conforms, control, error_of, fake_url, make_client  # noqa: F401

NOVA_US = "us.amazon.nova-pro-v1:0"
PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefghijkl"
CBOR_PATH = "/service/GraniteServiceVersion20100801/operation/"


@pytest.fixture(autouse=True)
def reset(fake_url):
    control(fake_url, "/__fake/reset")


@pytest.fixture(params=["json", "smithy-rpc-v2-cbor"])
def cloudwatch(request, fake_url, monkeypatch):
    """A CloudWatch client in one of the two protocols, checked to really use it."""
    wanted = request.param
    others = tuple(p for p in botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS if p != wanted)
    monkeypatch.setattr(botocore.model, "PRIORITY_ORDERED_SUPPORTED_PROTOCOLS", (wanted, *others))
    client = make_client(fake_url, "cloudwatch")
    assert client.meta.service_model.resolved_protocol == wanted
    client.protocol = wanted
    return client


def this_hour():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(minute=0, second=0, microsecond=0)


def series(metric, model_id, points, region="us-east-1"):
    """A scripted series: `points` are (epoch seconds, value)."""
    return {
        "region": region,
        "metric": metric,
        "dimensions": [{"name": "ModelId", "value": model_id}],
        "points": [{"at": at, "value": value} for at, value in points],
    }


def query(query_id, metric, model_id, stat="Sum", period=3600):
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/Bedrock",
                "MetricName": metric,
                "Dimensions": [{"Name": "ModelId", "Value": model_id}],
            },
            "Period": period,
            "Stat": stat,
        },
    }


def checked(client, operation, response):
    conforms(client, operation, response)
    if client.protocol == "json":
        model = client.meta.service_model.operation_model(operation)
        assert_known_members(json.loads(client.raw.last), model.output_shape)
    return response


def last_path(fake_url):
    return control(fake_url, "/__fake/requests")[-1]["path"]


def test_get_metric_data_sums_scripted_points_per_period_newest_first(fake_url, cloudwatch):
    hour = this_hour()
    base = int(hour.timestamp())
    control(fake_url, "/__fake/script", {"metrics": [
        series("Invocations", NOVA_US, [(base - 3600 + 10, 2), (base - 3600 + 70, 3), (base - 3 * 3600, 4)]),
        series("InputTokenCount", NOVA_US, [(base - 3600 + 10, 120.5)]),
        series("Invocations", PROFILE_ARN, [(base - 7200, 1)]),
        series("Invocations", NOVA_US, [(base - 3600, 100)], region="us-west-2"),
    ]})
    response = cloudwatch.get_metric_data(
        MetricDataQueries=[
            query("calls", "Invocations", NOVA_US),
            query("tokens", "InputTokenCount", NOVA_US, stat="Maximum"),
            query("arn", "Invocations", PROFILE_ARN),
            query("none", "Invocations", "amazon.titan-text-express-v1"),
        ],
        StartTime=hour - datetime.timedelta(hours=24),
        EndTime=hour + datetime.timedelta(hours=1),
    )
    checked(cloudwatch, "GetMetricData", response)
    results = {r["Id"]: r for r in response["MetricDataResults"]}
    assert list(results) == ["calls", "tokens", "arn", "none"]
    calls = results["calls"]
    assert calls["Timestamps"] == [hour - datetime.timedelta(hours=1), hour - datetime.timedelta(hours=3)]
    assert calls["Values"] == [5.0, 4.0]
    assert calls["StatusCode"] == "Complete" and calls["Label"] == "Invocations"
    assert results["tokens"]["Values"] == [120.5]
    assert results["arn"]["Values"] == [1.0]
    assert results["none"]["Timestamps"] == [] and results["none"]["Values"] == []
    assert "NextToken" not in response
    if cloudwatch.protocol == "smithy-rpc-v2-cbor":
        assert last_path(fake_url) == CBOR_PATH + "GetMetricData"
    else:
        assert last_path(fake_url) == "/"


def test_get_metric_data_pages_and_the_paginator_reassembles_the_series(fake_url, cloudwatch):
    base = int(this_hour().timestamp())
    points = [(base - k * 3600 + 5, k) for k in range(1, 8)]
    control(fake_url, "/__fake/script", {"metrics": [series("Invocations", NOVA_US, points)], "metrics_page_limit": 3})
    arguments = {
        "MetricDataQueries": [query("calls", "Invocations", NOVA_US)],
        "StartTime": this_hour() - datetime.timedelta(days=1),
        "EndTime": this_hour(),
        "ScanBy": "TimestampAscending",
    }
    first = checked(cloudwatch, "GetMetricData", cloudwatch.get_metric_data(**arguments))
    assert first["MetricDataResults"][0]["Values"] == [7.0, 6.0, 5.0]
    assert first["MetricDataResults"][0]["StatusCode"] == "PartialData"
    assert first["NextToken"]
    values = []
    for page in cloudwatch.get_paginator("get_metric_data").paginate(**arguments):
        checked(cloudwatch, "GetMetricData", page)
        values += [v for result in page["MetricDataResults"] for v in result["Values"]]
    assert values == [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]


def test_list_metrics_lists_the_model_ids_seen_in_two_weeks_in_pages(fake_url, cloudwatch):
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    control(fake_url, "/__fake/script", {"metrics": [
        series("Invocations", NOVA_US, [(now - 3600, 1)]),
        series("Invocations", "amazon.nova-lite-v1:0", [(now - 86400, 1)]),
        series("Invocations", PROFILE_ARN, [(now - 10 * 86400, 1)]),
        series("Invocations", "amazon.titan-text-express-v1", [(now - 20 * 86400, 1)]),
        series("InputTokenCount", NOVA_US, [(now - 3600, 10)]),
    ], "metrics_page_limit": 2})
    pages = list(cloudwatch.get_paginator("list_metrics").paginate(
        Namespace="AWS/Bedrock", MetricName="Invocations", Dimensions=[{"Name": "ModelId"}]
    ))
    assert len(pages) == 2
    for page in pages:
        checked(cloudwatch, "ListMetrics", page)
    listed = [m for page in pages for m in page["Metrics"]]
    assert all(m["Namespace"] == "AWS/Bedrock" and m["MetricName"] == "Invocations" for m in listed)
    model_ids = sorted(d["Value"] for m in listed for d in m["Dimensions"] if d["Name"] == "ModelId")
    assert model_ids == sorted([NOVA_US, "amazon.nova-lite-v1:0", PROFILE_ARN]), "the 20-day-old one is not listed"

    recent = cloudwatch.list_metrics(Namespace="AWS/Bedrock", RecentlyActive="PT3H")
    names = {(m["MetricName"], m["Dimensions"][0]["Value"]) for m in checked(cloudwatch, "ListMetrics", recent)["Metrics"]}
    assert names == {("Invocations", NOVA_US), ("InputTokenCount", NOVA_US)}


def test_errors_carry_their_awsquery_code_and_status(fake_url, cloudwatch):
    arguments = {
        "MetricDataQueries": [query("calls", "Invocations", NOVA_US)],
        "StartTime": this_hour() - datetime.timedelta(hours=1),
        "EndTime": this_hour(),
    }
    control(fake_url, "/__fake/script", {"rules": [{"operation": "GetMetricData", "error": "Throttling", "times": 1}]})
    throttled = error_of(cloudwatch.get_metric_data, **arguments)
    assert throttled["Error"]["Code"] == "Throttling"
    assert throttled["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert throttled["ResponseMetadata"]["RequestId"]

    control(fake_url, "/__fake/script", {"rules": [{"operation": "ListMetrics", "error": "AccessDenied"}]})
    denied = error_of(cloudwatch.list_metrics, Namespace="AWS/Bedrock")
    assert denied["Error"]["Code"] == "AccessDenied"
    assert "cloudwatch:ListMetrics" in denied["Error"]["Message"]
    assert denied["ResponseMetadata"]["HTTPStatusCode"] == 403

    bad = {**arguments, "MetricDataQueries": [query("Calls", "Invocations", NOVA_US)]}
    invalid = error_of(cloudwatch.get_metric_data, **bad)
    assert invalid["Error"]["Code"] == "InvalidParameterValue"
    assert "MetricDataQueries.member.1.Id" in invalid["Error"]["Message"]
    assert invalid["ResponseMetadata"]["HTTPStatusCode"] == 400

    wrong_period = {**arguments, "MetricDataQueries": [query("calls", "Invocations", NOVA_US, period=90)]}
    assert error_of(cloudwatch.get_metric_data, **wrong_period)["Error"]["Code"] == "InvalidParameterValue"

    # Used up: the throttle applied once.
    assert checked(cloudwatch, "GetMetricData", cloudwatch.get_metric_data(**arguments))["MetricDataResults"]


def test_an_unsigned_request_is_refused(fake_url):
    unsigned = make_client(fake_url, "cloudwatch", signature_version=UNSIGNED)
    refused = error_of(unsigned.list_metrics)
    assert refused["Error"]["Code"] == "MissingAuthenticationToken"
    assert refused["ResponseMetadata"]["HTTPStatusCode"] == 403
