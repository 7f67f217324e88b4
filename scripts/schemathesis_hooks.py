"""Schemathesis hooks for scripts/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

- The check `error_body_is_shared`: every 4xx and 5xx answer carries the shared error body
  (`shared/src/api/error.rs`): a JSON object with a non-empty string `code` and `message`, and an
  optional object `details`, nothing else.
- Environment names in paths: the fuzzer draws `{env}` from the environments the throwaway
  store has as often as from its own strings, so the routes get past "no such environment".
"""

import json

import schemathesis
from hypothesis import strategies as st

# The environments scripts/schemathesis.sh creates in the throwaway store.
KNOWN_ENVS = ["default", "staging"]
ERROR_BODY_FIELDS = {"code", "message", "details"}


def _is_sign_in_form(response) -> bool:
    """The sign-in page's own form post, which a browser sends and which answers with the page
    (HTML) saying what went wrong: the one failure that is not JSON, by design."""
    request = response.request
    content_type = request.headers.get("Content-Type", "") or ""
    return (
        request.method == "POST"
        and request.path_url.split("?")[0] == "/api/v1/session"
        and content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"
    )


@schemathesis.check
def error_body_is_shared(ctx, response, case):
    """Every 4xx and 5xx answer is the shared ErrorBody."""
    if response.status_code < 400 or _is_sign_in_form(response):
        return None
    content_type = ";".join(response.headers.get("content-type", [])).split(";")[0].strip().lower()
    if content_type != "application/json":
        raise AssertionError(
            f"a {response.status_code} answered with Content-Type {content_type or '(none)'}, "
            "not the JSON error body"
        )
    try:
        body = json.loads(response.content)
    except ValueError as error:
        raise AssertionError(f"a {response.status_code} body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise AssertionError(f"a {response.status_code} body is not a JSON object: {body!r}")
    extra = set(body) - ERROR_BODY_FIELDS
    if extra:
        raise AssertionError(f"a {response.status_code} body has fields the error body has not: {sorted(extra)}")
    for field in ("code", "message"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise AssertionError(f"a {response.status_code} body lacks a non-empty string `{field}`: {body!r}")
    if "details" in body and not isinstance(body["details"], dict):
        raise AssertionError(f"a {response.status_code} body's `details` is not an object: {body!r}")
    return None


@schemathesis.hook
def flatmap_path_parameters(ctx, path_parameters):
    if not path_parameters or "env" not in path_parameters:
        return st.just(path_parameters)
    drawn = path_parameters["env"]
    return st.sampled_from([drawn, *KNOWN_ENVS]).map(lambda env: {**path_parameters, "env": env})
