//! The command line, run as a user would: on temporary files, reading stdout, stderr, the
//! exit status and what is left on disk.

use std::os::unix::fs::PermissionsExt;

use crate::helpers::{TestHome, reference};

#[test]
fn list_shows_every_catalog_model_and_every_file_key_sorted() {
    let home = TestHome::with_file(
        "zzz.custom-model-v1:0=us.zzz.custom-model-v1:0\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n",
    );
    let run = home.run(&["list"]).success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    let total: usize = lines
        .last()
        .and_then(|l| l.strip_prefix("Total: "))
        .and_then(|l| l.strip_suffix(" models"))
        .and_then(|n| n.parse().ok())
        .expect("a Total line");
    assert!(total >= 151, "the catalog's models plus the file's unknown key, got {total}");
    assert_eq!(lines.len(), total + 1);
    let models: Vec<&str> = lines[..total].iter().map(|l| l.split(' ').nth(1).expect("model")).collect();
    let mut sorted = models.clone();
    sorted.sort();
    assert_eq!(models, sorted, "sorted by id");
    assert!(
        lines.contains(
            &format!(
                "{}. amazon.nova-pro-v1:0 -> us.amazon.nova-pro-v1:0",
                models.iter().position(|m| *m == "amazon.nova-pro-v1:0").expect("listed") + 1
            )
            .as_str()
        )
    );
    assert!(lines[total - 1].ends_with("zzz.custom-model-v1:0 -> us.zzz.custom-model-v1:0"));
    assert!(run.stdout.contains(". anthropic.claude-3-haiku-20240307-v1:0 -> direct\n"));
}

#[test]
fn list_with_a_filter_keeps_only_matching_ids() {
    let home = TestHome::new();
    let run = home.run(&["list", "NOVA-PRO"]).success();
    assert!(run.stdout.lines().all(|l| l.starts_with("Total") || l.contains("nova-pro")), "{}", run.stdout);
    assert!(run.stdout.contains("1. amazon.nova-pro-v1:0 -> direct\n"), "{}", run.stdout);
}

#[test]
fn search_is_case_insensitive_and_counts_what_it_found() {
    let home = TestHome::new();
    let run = home.run(&["search", "Nova-Pro"]).success();
    assert!(run.stdout.contains("amazon.nova-pro-v1:0 -> direct"));
    let last = run.stdout.lines().last().expect("summary");
    assert!(last.starts_with("Found: ") && last.ends_with(" models"), "{last}");
    let found: usize = last["Found: ".len()..last.len() - " models".len()].parse().expect("count");
    assert_eq!(found, run.stdout.lines().count() - 1);
}

#[test]
fn provider_matches_at_a_dot_boundary_only() {
    let home = TestHome::with_file("us.anthropic.claude-3-haiku-20240307-v1:0=\n");
    let run = home.run(&["provider", "a"]).success();
    assert_eq!(run.stdout, "Total: 0 models\n", "`a` is not `amazon` or `anthropic`");
    let run = home.run(&["provider", "anthropic"]).success();
    assert!(run.stdout.contains(" us.anthropic.claude-3-haiku-20240307-v1:0 -> direct\n"), "{}", run.stdout);
    assert!(run.stdout.lines().filter(|l| !l.starts_with("Total")).all(|l| l.contains("anthropic.")));
}

#[test]
fn region_lists_the_catalog_models_offered_there() {
    let home = TestHome::new();
    let run = home.run(&["region", "us-east-1"]).success();
    assert!(run.stdout.contains("amazon.nova-pro-v1:0 -> direct\n"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("anthropic.claude-sonnet-4-5-20250929-v1:0 -> direct  (requires an inference profile here: ")
    );
    let sonnet =
        run.stdout.lines().find(|l| l.contains(" anthropic.claude-sonnet-4-5-20250929-v1:0 ")).expect("listed");
    assert!(sonnet.contains("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), "{sonnet}");
    assert!(!sonnet.contains("eu.anthropic"), "an eu. profile is not callable from us-east-1: {sonnet}");
    assert!(run.stdout.trim_end().ends_with("models in us-east-1"));
}

#[test]
fn an_unknown_region_is_an_error_that_lists_the_known_ones() {
    let home = TestHome::new();
    let run = home.run(&["region", "mars-north-1"]).failure();
    assert!(run.stderr.contains("mars-north-1"), "{}", run.stderr);
    assert!(run.stderr.contains("us-east-1, "), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn the_first_bind_creates_the_file_and_its_directory_private_to_the_user() {
    let home = TestHome::new();
    let run = home.run(&["bind", "amazon.nova-pro-v1:0", "us.amazon.nova-pro-v1:0"]).success();
    assert_eq!(run.stdout, "✓ Bound amazon.nova-pro-v1:0 to us.amazon.nova-pro-v1:0\n");
    assert!(run.stderr.contains("does not exist yet"), "{}", run.stderr);
    assert_eq!(home.read(), "amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n");
    let mode = std::fs::metadata(&home.file).expect("file").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn bind_without_a_profile_means_direct() {
    let home = TestHome::with_file("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n");
    let run = home.run(&["bind", "amazon.nova-pro-v1:0"]).success();
    assert_eq!(run.stdout, "✓ Bound amazon.nova-pro-v1:0 to direct\n");
    assert_eq!(home.read(), "amazon.nova-pro-v1:0=\n");
}

#[test]
fn a_malformed_arn_is_refused_with_a_caret_under_the_bad_field() {
    let home = TestHome::with_file("# mine\n");
    let run = home
        .run(&[
            "bind",
            "amazon.nova-pro-v1:0",
            "arn:aws:bedrock:us-east-2:52136900492:inference-profile/us.amazon.nova-pro-v1:0",
        ])
        .failure();
    assert!(run.stderr.contains("error: account `52136900492` has 11 digits"), "{}", run.stderr);
    let caret_line = run.stderr.lines().find(|l| l.contains('^')).expect("a caret line");
    let text_line = run.stderr.lines().find(|l| l.contains("arn:aws")).expect("the argument");
    let caret_at = caret_line.find('^').expect("caret");
    assert_eq!(&text_line[caret_at..caret_at + 11], "52136900492");
    assert_eq!(home.read(), "# mine\n", "nothing written");
}

#[test]
fn a_malformed_model_id_is_refused() {
    let home = TestHome::new();
    let run = home.run(&["bind", "Amazon.Nova"]).failure();
    assert!(run.stderr.contains("lowercase"), "{}", run.stderr);
    assert!(!home.file.exists());
}

#[test]
fn an_unknown_model_is_refused_with_a_suggestion_unless_forced() {
    let home = TestHome::new();
    let run = home.run(&["bind", "anthropic.claude-3-haiku-20240307-v1"]).failure();
    assert!(run.stderr.contains("did you mean `anthropic.claude-3-haiku-20240307-v1:0`"), "{}", run.stderr);
    assert!(!home.file.exists());
    home.run(&["bind", "--force", "acme.private-model-v1:0", "us.acme.private-model-v1:0"]).success();
    assert_eq!(home.read(), "acme.private-model-v1:0=us.acme.private-model-v1:0\n");
}

#[test]
fn bind_warns_when_the_profile_serves_another_model() {
    let home = TestHome::new();
    let run = home.run(&["bind", "amazon.nova-pro-v1:0", "us.amazon.nova-lite-v1:0"]).success();
    assert!(run.stderr.contains("warning[profile-model-mismatch]"), "{}", run.stderr);
}

#[test]
fn unbind_removes_every_line_of_the_model() {
    let home = TestHome::with_file(
        "# keep\nmeta.llama3-70b-instruct-v1:0=\namazon.nova-pro-v1:0=a.b\r\nmeta.llama3-70b-instruct-v1:0=x.y\n",
    );
    let run = home.run(&["unbind", "meta.llama3-70b-instruct-v1:0"]).success();
    assert_eq!(run.stdout, "✓ Unbound meta.llama3-70b-instruct-v1:0 (2 lines removed)\n");
    assert_eq!(home.read(), "# keep\namazon.nova-pro-v1:0=a.b\r\n");
    let run = home.run(&["unbind", "meta.llama3-70b-instruct-v1:0"]).success();
    assert!(run.stdout.contains("was not bound"));
}

#[test]
fn validate_prints_rustc_like_diagnostics_and_fails_on_errors() {
    let home =
        TestHome::with_file("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\nnot a binding\namazon.nova-pro-v1:0=\n");
    let run = home.run(&["validate"]).failure();
    assert!(run.stdout.contains("2:1: error[missing-equals]: `not a binding` has no `=`"), "{}", run.stdout);
    assert!(run.stdout.contains("2 | not a binding\n  | ^^^^^^^^^^^^^\n"), "{}", run.stdout);
    assert!(run.stdout.contains("1:1: warning[duplicate-key]"), "{}", run.stdout);
    assert!(run.stdout.contains("1 error, 1 warning"), "{}", run.stdout);
}

#[test]
fn validate_as_json_reports_codes_and_positions() {
    let home = TestHome::with_file(
        "amazon.nova-pro-v1:0 = arn:aws:bedrock:us-east-1:1:inference-profile/us.amazon.nova-pro-v1:0\n",
    );
    let run = home.run(&["--json", "validate"]).failure();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(report["errors"], 1);
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "malformed-arn");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["line"], 1);
    assert_eq!(diagnostic["column"], 50);
}

#[test]
fn init_writes_the_catalog_by_provider_and_refuses_to_overwrite() {
    let home = TestHome::new();
    home.run(&["init"]).success();
    let text = home.read();
    assert!(text.contains("\n# Anthropic\n"), "provider headers");
    assert!(
        text.contains("# anthropic.claude-sonnet-4-5-20250929-v1:0 has no on-demand region: bind a profile, e.g. ")
    );
    let tpipe = reference("tpipe-default-model-ids.txt");
    let geo_prefixed = tpipe.lines().filter(|id| id.starts_with("us.") || id.starts_with("apac.")).count();
    assert!(geo_prefixed > 30, "the reference has TPipe's geo-prefixed keys too: {geo_prefixed}");
    for id in tpipe.lines() {
        assert!(text.contains(&format!("\n{id}=\n")), "TPipe's default key {id} is in the file");
    }
    let run = home.run(&["init"]).failure();
    assert!(run.stderr.contains("already exists; pass --force"), "{}", run.stderr);
    home.write(b"# changed\n");
    home.run(&["init", "--force"]).success();
    assert_eq!(home.read(), text);
    home.run(&["validate"]).success();
}

#[test]
fn export_prints_the_file_byte_for_byte() {
    let text = "\u{feff}# team\r\namazon.nova-pro-v1:0 = us.amazon.nova-pro-v1:0  \r\n\nmeta.llama3-70b-instruct-v1:0=";
    let home = TestHome::with_file(text);
    let run = home.run(&["export"]).success();
    assert_eq!(run.stdout, text);
    let run = home.run(&["export", "--format", "json"]).success();
    let export: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(export["bindings"][0]["model"], "amazon.nova-pro-v1:0");
    assert_eq!(export["bindings"][0]["profile"], "us.amazon.nova-pro-v1:0");
    assert_eq!(export["bindings"][0]["kind"], "system-profile");
    assert_eq!(export["bindings"][1]["kind"], "direct");
}

#[test]
fn export_refuses_a_file_with_errors() {
    let home = TestHome::with_file("amazon.nova-pro-v1:0=us.amazon.nova pro\n");
    let run = home.run(&["export"]).failure();
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("1 error(s)"), "{}", run.stderr);
}

#[test]
fn a_file_that_is_not_utf8_is_named_with_the_offset_and_left_alone() {
    let home = TestHome::new();
    home.write(b"amazon.nova-pro-v1:0=\n\xff\xfe\n");
    let run = home.run(&["bind", "amazon.nova-lite-v1:0"]).failure();
    assert!(run.stderr.contains("offset 22"), "{}", run.stderr);
    assert_eq!(std::fs::read(&home.file).expect("file"), b"amazon.nova-pro-v1:0=\n\xff\xfe\n");
}

#[test]
fn the_default_file_is_in_home_and_the_environment_overrides_it() {
    let home = TestHome::new();
    let run = home.command().args(["bind", "amazon.nova-pro-v1:0"]).output().expect("run");
    assert!(run.status.success());
    assert_eq!(home.read(), "amazon.nova-pro-v1:0=\n");
    let other = home.dir.path().join("team").join("inference.txt");
    let run = home
        .command()
        .env("BEDROCK_INFERENCE_FILE", &other)
        .args(["bind", "amazon.nova-lite-v1:0"])
        .output()
        .expect("run");
    assert!(run.status.success());
    assert_eq!(std::fs::read_to_string(&other).expect("env file"), "amazon.nova-lite-v1:0=\n");
}

#[test]
fn json_output_is_json_for_listings() {
    let home = TestHome::with_file("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n");
    let run = home.run(&["--json", "show"]).success();
    let shown: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(shown["total_bound"], 1);
    assert_eq!(shown["bound"][0]["binding"], "us.amazon.nova-pro-v1:0");
    let run = home.run(&["--json", "search", "nova-pro"]).success();
    let found: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert!(found["total"].as_u64().expect("total") >= 1);
}

#[test]
fn with_json_an_error_is_a_json_body_on_stderr() {
    let home = TestHome::new();
    let run = home.run(&["--json", "region", "mars-north-1"]).failure();
    let body: serde_json::Value = serde_json::from_str(run.stderr.trim()).expect("a JSON error body");
    assert_eq!(body["code"], "unknown-region");
    assert!(body["message"].as_str().expect("message").contains("mars-north-1"));
    assert!(run.stdout.is_empty());
}

#[test]
fn the_menu_runs_options_and_ends_cleanly_at_end_of_input() {
    let home = TestHome::with_file("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n");
    let run = home.run_with_input(&["menu"], "6\n2\nnova-lite\n5\nmeta.llama3-70b-instruct-v1:0\n\n").success();
    assert!(run.stdout.contains("7. Exit"));
    assert!(run.stdout.contains("Total bound: 1/"), "{}", run.stdout);
    assert!(run.stdout.contains("amazon.nova-lite-v1:0 -> direct"), "{}", run.stdout);
    assert!(run.stdout.contains("✓ Bound meta.llama3-70b-instruct-v1:0 to direct"), "{}", run.stdout);
    assert!(home.read().ends_with("meta.llama3-70b-instruct-v1:0=\n"));
}

#[test]
fn the_menu_reports_a_bad_choice_and_exits_on_seven() {
    let home = TestHome::new();
    let run = home.run_with_input(&["menu"], "9\n7\nnever read\n").success();
    assert!(run.stdout.contains("`9` is not an option"), "{}", run.stdout);
}

#[test]
fn no_command_without_a_terminal_explains_itself() {
    let home = TestHome::new();
    let run = home.run(&[]).failure();
    assert!(run.stderr.contains("no command given"), "{}", run.stderr);
}
