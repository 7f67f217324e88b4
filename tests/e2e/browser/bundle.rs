//! The web UI's size budget: everything the browser downloads to show the bindings page (the
//! HTML, then every script, wasm module and stylesheet it references, as served with
//! `Accept-Encoding: br, gzip`) stays within 300 KB, counting headers and bodies as they cross
//! the wire.
//!
//! No browser: plain HTTP to the real server binary, so it is cheap enough to run with every
//! test run. This binary is a debug build, whose assets are brotli-compressed at quality 9
//! instead of release's 11, so the figure here is a little above the release figure that
//! `scripts/measure/bundle-size.sh` reports (docs/benchmarks.md).

use super::harness::{App, http_get};

/// 300 KB, read strictly as 300,000 bytes.
const BUDGET: usize = 300_000;

#[test]
fn the_bindings_page_downloads_at_most_300_kb_compressed() {
    let app = App::start(b"amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n", &[]);
    app.assert_ui_built();

    let mut queue = vec!["/".to_owned()];
    let mut fetched: Vec<(String, Option<String>, usize, usize)> = Vec::new();
    let mut next = 0;
    while let Some(path) = queue.get(next).cloned() {
        next += 1;
        let reply = http_get(&app.addr, &path, Some("br, gzip"));
        assert_eq!(reply.status, 200, "GET {path}");
        let content_type = reply.header("content-type").unwrap_or_default().to_owned();
        if path != "/" && content_type.starts_with("text/html") {
            // Not an asset: the UI's index.html fallback for a path that only looked like one.
            continue;
        }
        let coding = reply.header("content-encoding").map(str::to_owned);
        if content_type.starts_with("application/wasm") || content_type.starts_with("text/javascript") {
            assert!(coding.is_some(), "{path} ({content_type}) is served compressed");
        }
        // References are read from the uncompressed copy.
        if content_type.starts_with("text/html") || content_type.starts_with("text/javascript") {
            let plain = http_get(&app.addr, &path, None);
            for reference in references(&String::from_utf8_lossy(&plain.body), &path) {
                if !queue.contains(&reference) {
                    queue.push(reference);
                }
            }
        }
        fetched.push((path, coding, reply.head_len, reply.body.len()));
    }

    let total: usize = fetched.iter().map(|(_, _, head, body)| head + body).sum();
    println!("{:<60} {:>8} {:>8} {:>9}", "path", "coding", "headers", "body");
    for (path, coding, head, body) in &fetched {
        println!("{path:<60} {:>8} {head:>8} {body:>9}", coding.as_deref().unwrap_or("identity"));
    }
    println!("{:<60} {:>8} {:>8} {total:>9}  (budget {BUDGET})", "total on the wire", "", "");

    let has = |suffix: &str| fetched.iter().any(|(path, ..)| path.ends_with(suffix));
    assert!(has(".wasm") && has(".js") && has(".css"), "the page's wasm, JS and CSS were all found: {fetched:?}");
    assert!(total <= BUDGET, "the bindings page downloads {total} bytes; the budget is {BUDGET}");
}

/// The same-origin paths `text` (an HTML page or a script at `from`) refers to: absolute
/// `/…` paths and `./…` ones after `=`, `"` or `'`, as trunk's minified HTML and
/// wasm-bindgen's glue write them, that name a file (with a `.`) outside `/api`.
fn references(text: &str, from: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for (i, _) in text.match_indices('/') {
        let quote = |at: usize| matches!(bytes[at], b'"' | b'\'' | b'=');
        let (start, relative) = if i > 0 && quote(i - 1) {
            (i, false)
        } else if i > 1 && bytes[i - 1] == b'.' && quote(i - 2) {
            (i - 1, true)
        } else {
            continue;
        };
        if bytes.get(i + 1) == Some(&b'/') {
            continue;
        }
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '>' | '`' | ')' | '?' | '#'))
            .map_or(text.len(), |n| start + n);
        let target = &text[start..end];
        let path = if relative {
            let dir = &from[..from.rfind('/').map_or(0, |n| n + 1)];
            format!("{dir}{}", &target[2..])
        } else {
            target.to_owned()
        };
        let name = path.rsplit('/').next().unwrap_or_default();
        if path.starts_with("/api/") || !name.contains('.') || found.contains(&path) {
            continue;
        }
        found.push(path);
    }
    found
}

#[test]
fn references_are_found_in_minified_html_and_module_glue() {
    let html = "<link href=/style-1.css rel=stylesheet><script type=module>import init from '/app-1.js';\n\
                init({ module_or_path: '/app-1_bg.wasm' })</script><a href=/api/v1/health>x</a></p>";
    assert_eq!(references(html, "/"), ["/style-1.css", "/app-1.js", "/app-1_bg.wasm"]);
    let js = "import { f } from './snippets/x/inline0.js'; let a = b / c; const r = /x\\/y/g;";
    assert_eq!(references(js, "/app-1.js"), ["/snippets/x/inline0.js"]);
}
