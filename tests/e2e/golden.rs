//! The golden file: TPipe's own example `inference.txt` (comments, Nova and DeepSeek profile
//! ARNs, direct Claude and Llama lines) must read, edit and validate exactly as TPipe users
//! expect.

use crate::helpers::{TestHome, reference};

fn seed() -> String {
    reference("seed-example-inference.txt")
}

#[test]
fn show_lists_the_four_profile_bindings_of_the_example() {
    let home = TestHome::with_file(&seed());
    let run = home.run(&["show"]).success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        &lines[..4],
        [
            "1. amazon.nova-lite-v1:0 -> arn:aws:bedrock:us-east-2:521369004927:inference-profile/us.amazon.nova-lite-v1:0",
            "2. amazon.nova-pro-v1:0 -> arn:aws:bedrock:us-east-2:521369004927:inference-profile/us.amazon.nova-pro-v1:0",
            "3. deepseek.r1-v1:0 -> arn:aws:bedrock:us-east-2:521369004927:inference-profile/us.deepseek.r1-v1:0",
            "4. meta.llama4-maverick-17b-instruct-v1:0 -> arn:aws:bedrock:us-east-2:521369004927:inference-profile/us.meta.llama4-maverick-17b-instruct-v1:0",
        ]
    );
    assert_eq!(lines.len(), 5);
    assert!(lines[4].starts_with("Total bound: 4/"), "{}", lines[4]);
}

#[test]
fn a_bind_on_the_example_changes_exactly_one_line() {
    let before = seed();
    let home = TestHome::with_file(&before);
    home.run(&["bind", "anthropic.claude-3-haiku-20240307-v1:0", "us.anthropic.claude-3-haiku-20240307-v1:0"])
        .success();
    let after = home.read();
    let old: Vec<&str> = before.split_inclusive('\n').collect();
    let new: Vec<&str> = after.split_inclusive('\n').collect();
    assert_eq!(old.len(), new.len(), "no line may be added or removed");
    let changed: Vec<usize> = (0..old.len()).filter(|&i| old[i] != new[i]).collect();
    assert_eq!(changed.len(), 1, "exactly one line changes");
    assert_eq!(new[changed[0]], "anthropic.claude-3-haiku-20240307-v1:0=us.anthropic.claude-3-haiku-20240307-v1:0\n");
    assert!(after.contains("# Claude models (direct access available)\n"), "comments survive");
}

#[test]
fn the_example_validates_without_errors() {
    let home = TestHome::with_file(&seed());
    let run = home.run(&["validate"]).success();
    assert!(run.stdout.contains(": 0 errors,"), "{}", run.stdout);
    assert!(!run.stdout.contains("error["), "{}", run.stdout);
}
