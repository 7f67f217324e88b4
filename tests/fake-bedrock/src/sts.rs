//! STS GetCallerIdentity in the awsQuery protocol: `POST /` with the form body
//! `Action=GetCallerIdentity&Version=2011-06-15`, answered in XML, so `AWS_ENDPOINT_URL_STS`
//! can point at the fake too.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The XML namespace of every STS response.
const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The `UserId` the fake reports: the shape of an IAM user's unique id.
pub(crate) const FAKE_USER_ID: &str = "AIDAFAKEBEDROCKUSER01";

/// The GetCallerIdentity answer for `account`.
pub(crate) fn get_caller_identity(account: &str, request_id: &str) -> Response {
    let body = format!(
        "<GetCallerIdentityResponse xmlns=\"{NAMESPACE}\">\n  <GetCallerIdentityResult>\n    \
         <Arn>arn:aws:iam::{account}:user/fake-bedrock</Arn>\n    <UserId>{FAKE_USER_ID}</UserId>\n    \
         <Account>{account}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    \
         <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        account = escape(account),
    );
    xml(StatusCode::OK, body)
}

/// An awsQuery error: `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code/><Message/>
/// </Error><RequestId/></ErrorResponse>`, the shape aws-azure-login/aws-azure-login#251 quotes.
pub(crate) fn error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    let fault = if status.is_server_error() { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\">\n  <Error>\n    <Type>{fault}</Type>\n    <Code>{}</Code>\n    \
         <Message>{}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
        escape(code),
        escape(message),
    );
    xml(status, body)
}

fn xml(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/xml")], body).into_response()
}

/// Escapes text for an XML element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_is_escaped() {
        assert_eq!(escape("a<b & 'c'"), "a&lt;b &amp; &apos;c&apos;");
    }
}
