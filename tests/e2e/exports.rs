//! `export --format F` and `GET /api/v1/envs/{env}/export?format=F`, each artefact read back
//! by the tool it is for, per environment and with presets, against the fake Bedrock:
//!
//! | format | read back by |
//! |---|---|
//! | `inference-txt` | byte comparison with the file |
//! | `json` | the shared API type (`ExportedBindings`) |
//! | `litellm` | LiteLLM's proxy config loader (`ProxyConfig.load_config`), then its Bedrock Converse transformation |
//! | `librechat` | LibreChat's own config schema (`librechat-data-provider`), loaded with `js-yaml` as LibreChat does |
//! | `step-functions` | `asl-validator` (the Amazon States Language's rules) |
//! | `iam-policy` | `parliament` (an IAM policy linter) |
//! | `cloudformation` | `cfn-lint` |
//!
//! The consumers are installed by `scripts/setup.sh exports` (cfn-lint comes with `moto`).
//! Missing, a consumer's test is skipped with a note, except under `CI=true`, where it fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use bedrock_binder::aws::AwsSettings;
use bedrock_binder::envs::{Environments, NewEnv};
use bedrock_binder::server::{AppState, router};
use bedrock_binder::storage::ChangeMeta;
use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::api::{EnvSettings, ExportedBindings};
use bedrock_binder_shared::preset::Preset;
use bedrock_binder_shared::profile_ref::ProfileKind;
use fake_bedrock::{FakeBedrock, FakeProfile, ProfileType, RunningFake, TEST_CREDENTIALS_ENV, Tag};
use serde_json::{Value, json};

use crate::aws_api::{aws_with, get, send};
use crate::helpers::{Run, TestHome};

const ACCOUNT: &str = "123456789012";
const APP_ID: &str = "abc123def456";
const APP_ARN: &str = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456";
const FULL_PRESET: &str = r#"{"maxTokens":512,"temperature":0.2,"topP":0.9,"stopSequences":["END"],"serviceTier":"flex","performanceConfig":{"latency":"optimized"},"requestMetadata":{"team":"search"}}"#;

/// `prod` (us-east-1): a system profile with every preset field, an application profile with
/// a preset, a direct binding without one.
fn prod_text() -> String {
    format!(
        "# prod\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\namazon.nova-lite-v1:0={APP_ARN}\namazon.nova-micro-v1:0=\n"
    )
}

/// `staging` (us-east-2): one system profile spanning three regions, with a preset.
const STAGING_TEXT: &str = "# staging\nmeta.llama3-1-8b-instruct-v1:0=us.meta.llama3-1-8b-instruct-v1:0\n";

fn presets(entries: &[(&str, &str)]) -> BTreeMap<String, Preset> {
    entries.iter().map(|(model, json)| ((*model).to_owned(), serde_json::from_str(json).expect("a preset"))).collect()
}

/// A store with `prod` and `staging`, and the fake Bedrock with the application profile `prod`
/// binds (a copy of `us.amazon.nova-lite-v1:0`, tagged).
struct Setup {
    home: TestHome,
    store: PathBuf,
}

fn environments(home: &TestHome) -> PathBuf {
    let store = home.dir.path().join("store");
    let envs = Environments::directory(&store);
    let meta = || ChangeMeta { author: "test".to_owned(), reason: None, approval: None };
    let settings = |region: &str, presets: BTreeMap<String, Preset>| EnvSettings {
        region: Some(region.parse().expect("region")),
        presets,
        ..EnvSettings::default()
    };
    let prod = presets(&[
        ("amazon.nova-pro-v1:0", FULL_PRESET),
        ("amazon.nova-lite-v1:0", r#"{"maxTokens":256,"temperature":0.5}"#),
    ]);
    envs.create(
        &"prod".parse().expect("env"),
        NewEnv { text: prod_text(), settings: settings("us-east-1", prod) },
        meta(),
    )
    .expect("create prod");
    let staging =
        presets(&[("meta.llama3-1-8b-instruct-v1:0", r#"{"maxTokens":128,"topP":0.5,"stopSequences":["STOP"]}"#)]);
    envs.create(
        &"staging".parse().expect("env"),
        NewEnv { text: STAGING_TEXT.to_owned(), settings: settings("us-east-2", staging) },
        meta(),
    )
    .expect("create staging");
    store
}

fn setup() -> Setup {
    let home = TestHome::new();
    let store = environments(&home);
    Setup { home, store }
}

fn fake() -> FakeBedrock {
    FakeBedrock::with_default_regions().update_region("us-east-1", |data| {
        let Some(system) = data.profile("us.amazon.nova-lite-v1:0").cloned() else {
            panic!("the fake's us-east-1 has us.amazon.nova-lite-v1:0");
        };
        data.upsert_profile(FakeProfile {
            id: APP_ID.to_owned(),
            name: "search-nova-lite".to_owned(),
            description: Some("Nova Lite for search".to_owned()),
            profile_type: ProfileType::Application,
            tags: vec![
                Tag { key: "team".to_owned(), value: "search".to_owned() },
                Tag { key: "cost-center".to_owned(), value: "ml-42".to_owned() },
            ],
            ..system
        });
    })
}

impl Setup {
    /// `bedrock-binder --store STORE --env ENV export --format FORMAT ARGS…`, with the fake's
    /// endpoints and, if `credentials`, its test credentials.
    fn export(&self, fake: &RunningFake, env: &str, format: &str, credentials: bool, args: &[&str]) -> Run {
        let mut command = self.home.command();
        command.env("AWS_EC2_METADATA_DISABLED", "true").env("AWS_MAX_ATTEMPTS", "1");
        for (name, value) in fake.endpoint_env() {
            command.env(name, value);
        }
        if credentials {
            for (name, value) in TEST_CREDENTIALS_ENV {
                command.env(name, value);
            }
        }
        command.arg("--store").arg(&self.store).args(["--env", env, "export", "--format", format]).args(args);
        Run::from(command.output().expect("run the binary"))
    }

    /// The artefact, written to a file for a consumer.
    fn artefact(&self, fake: &RunningFake, env: &str, format: &str, name: &str) -> (PathBuf, String) {
        let run = self.export(fake, env, format, true, &[]).success();
        let path = self.home.dir.path().join(name);
        std::fs::write(&path, &run.stdout).expect("write the artefact");
        (path, run.stdout)
    }
}

// ---- the consumers --------------------------------------------------------------------

/// Where `scripts/setup.sh` installs the tools.
fn tools() -> PathBuf {
    std::env::var_os("TOOLS")
        .filter(|path| !path.is_empty())
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools"), PathBuf::from)
}

/// A consumer under `.tools`; `None` (the test is skipped, saying so) when it is missing,
/// except under `CI=true`, where a missing consumer fails the test.
fn consumer(relative: &str) -> Option<PathBuf> {
    let path = tools().join(relative);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing: scripts/setup.sh exports installs the export tests' consumers",
        path.display()
    );
    eprintln!("skipped: {} is missing (bash scripts/setup.sh exports)", path.display());
    None
}

#[track_caller]
fn run_consumer(command: &mut Command) -> String {
    let output = command.output().expect("run the consumer");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{command:?} refused the artefact\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Reads a LiteLLM `model_list` with LiteLLM's proxy config loader, then turns each
/// deployment's `litellm_params` into the Bedrock Converse request LiteLLM would send; writes
/// one JSON entry per deployment to argv[2].
const LITELLM_CHECK: &str = r#"
import asyncio, json, os, sys
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
import litellm
from litellm.proxy.proxy_server import ProxyConfig
from litellm.llms.bedrock.chat.converse_transformation import AmazonConverseConfig

OPENAI_NAMED = ["max_tokens", "temperature", "top_p", "stop", "service_tier", "requestMetadata"]
router, _, _ = asyncio.run(ProxyConfig().load_config(router=None, config_file_path=sys.argv[1]))
converse = AmazonConverseConfig()
blocks = converse.get_config_blocks()
out = []
for deployment in router.get_model_list():
    params = deployment["litellm_params"]
    route, provider, _, _ = litellm.get_llm_provider(params["model"])
    named = {k: params[k] for k in OPENAI_NAMED if k in params}
    optional = converse.map_openai_params(non_default_params=dict(named), optional_params={}, model=route, drop_params=False)
    optional.update({k: params[k] for k in blocks if k in params})
    request = converse.transform_request(model=route, messages=[{"role": "user", "content": "hi"}],
                                         optional_params=optional, litellm_params={}, headers={})
    request.pop("messages", None)
    request.pop("system", None)
    out.append({"model_name": deployment["model_name"], "provider": provider, "route": route,
                "region": params.get("aws_region_name"), "request": request,
                "base_model": (deployment.get("model_info") or {}).get("base_model")})
with open(sys.argv[2], "w") as f:
    json.dump(out, f)
"#;

/// Loads a LibreChat fragment with js-yaml and checks it against LibreChat's config schema
/// (and the bedrock endpoint's, strictly: no key it does not know); prints the endpoint.
const LIBRECHAT_CHECK: &str = r#"
const fs = require('fs');
const yaml = require('js-yaml');
const provider = require('librechat-data-provider');
const doc = yaml.load(fs.readFileSync(process.argv[2], 'utf8'));
doc.version = '1.2.1';
const config = provider.configSchema.safeParse(doc);
if (!config.success) { console.error(JSON.stringify(config.error.issues)); process.exit(1); }
const strict = provider.bedrockEndpointSchema.strict().safeParse(doc.endpoints.bedrock);
if (!strict.success) { console.error(JSON.stringify(strict.error.issues)); process.exit(1); }
console.log(JSON.stringify(config.data.endpoints.bedrock));
"#;

/// Lints a policy with parliament (community auditors included) and prints the findings left.
/// parliament marks every resource type of `bedrock:InvokeModel` as required and refuses `:`
/// in a resource id (every Bedrock model id has one), so it reports RESOURCE_MISMATCH for any
/// policy scoped to Bedrock ARNs; that finding is set aside only when each resource is one its
/// own IAM database allows for each action (`misfits` empty).
const PARLIAMENT_CHECK: &str = r#"
import json, sys
from parliament import analyze_policy_string, is_arn_match
from parliament.statement import get_privilege_info, get_arn_format

text = open(sys.argv[1]).read()
policy = analyze_policy_string(text, include_community_auditors=True)
document = json.loads(text)

def fits(action, resource):
    service, name = action.split(":")
    info = get_privilege_info(service, name)
    for resource_type in info["resource_types"]:
        kind = resource_type["resource_type"].rstrip("*")
        if kind and is_arn_match(kind, get_arn_format(kind, info["service_resources"]), resource):
            return True
    return False

misfits = [[a, r] for s in document["Statement"] for a in s["Action"] for r in s["Resource"] if not fits(a, r)]
findings = [{"issue": f.issue, "detail": str(f.detail)} for f in policy.findings
            if not (f.issue == "RESOURCE_MISMATCH" and not misfits)]
print(json.dumps({"findings": findings, "misfits": misfits}))
"#;

/// The preset's fields as Bedrock's Converse request carries them.
fn converse_fields(preset: &str) -> Value {
    let preset: Value = serde_json::from_str(preset).expect("JSON");
    let mut request = serde_json::Map::new();
    let mut inference = serde_json::Map::new();
    for field in ["maxTokens", "temperature", "topP", "stopSequences"] {
        if let Some(value) = preset.get(field) {
            inference.insert(field.to_owned(), value.clone());
        }
    }
    if !inference.is_empty() {
        request.insert("inferenceConfig".to_owned(), Value::Object(inference));
    }
    if let Some(tier) = preset.get("serviceTier") {
        request.insert("serviceTier".to_owned(), json!({ "type": tier }));
    }
    for field in ["performanceConfig", "requestMetadata"] {
        if let Some(value) = preset.get(field) {
            request.insert(field.to_owned(), value.clone());
        }
    }
    Value::Object(request)
}

// ---- the tests ------------------------------------------------------------------------

#[test]
fn inference_txt_is_still_the_file_byte_for_byte() {
    let fake = fake().start().expect("fake");
    let setup = setup();
    for (env, text) in [("prod", prod_text()), ("staging", STAGING_TEXT.to_owned())] {
        assert_eq!(setup.export(&fake, env, "inference-txt", false, &[]).success().stdout, text);
    }
    assert!(fake.requests().is_empty(), "the file alone calls nothing");
}

#[test]
fn json_carries_kinds_base_models_and_presets() {
    let fake = fake().start().expect("fake");
    let setup = setup();
    let run = setup.export(&fake, "prod", "json", false, &[]).success();
    let export: ExportedBindings = serde_json::from_str(&run.stdout).expect("the shared type");
    assert_eq!(export.file, "environment `prod`");
    let by_model: BTreeMap<&str, _> = export.bindings.iter().map(|b| (b.model.as_str(), b)).collect();
    let pro = by_model["amazon.nova-pro-v1:0"];
    assert_eq!((pro.kind, pro.base_model.as_deref()), (Some(ProfileKind::SystemProfile), Some("amazon.nova-pro-v1:0")));
    assert_eq!(pro.preset, Some(serde_json::from_str(FULL_PRESET).expect("preset")));
    let lite = by_model["amazon.nova-lite-v1:0"];
    assert_eq!(lite.kind, Some(ProfileKind::ApplicationProfile));
    let micro = by_model["amazon.nova-micro-v1:0"];
    assert_eq!(
        (micro.kind, micro.base_model.as_deref(), &micro.preset),
        (Some(ProfileKind::Direct), Some("amazon.nova-micro-v1:0"), &None)
    );
    assert!(fake.requests().is_empty(), "json is made from the file and its settings alone");
    let legacy = setup.export(&fake, "prod", "inference-txt", false, &["--json"]).success();
    assert_eq!(legacy.stdout, run.stdout, "`--json export` is the json format, as it always was");
}

#[test]
fn litellm_fragments_load_in_litellms_proxy_and_send_each_preset_to_converse() {
    let Some(python) = consumer("litellm-venv/bin/python") else { return };
    let fake = fake().start().expect("fake");
    let setup = setup();
    let script = setup.home.dir.path().join("litellm_check.py");
    std::fs::write(&script, LITELLM_CHECK).expect("write the script");
    for env in ["prod", "staging"] {
        let (path, _) = setup.artefact(&fake, env, "litellm", &format!("{env}.litellm.yaml"));
        let out = setup.home.dir.path().join(format!("{env}.litellm.json"));
        run_consumer(Command::new(&python).arg(&script).arg(&path).arg(&out));
        let deployments: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("JSON");
        let by_name: BTreeMap<&str, &Value> =
            deployments.iter().map(|d| (d["model_name"].as_str().expect("a name"), d)).collect();
        assert!(deployments.iter().all(|d| d["provider"] == "bedrock"), "{deployments:?}");
        if env == "prod" {
            assert_eq!(by_name.len(), 3);
            let pro = by_name["amazon.nova-pro-v1:0"];
            assert_eq!(
                (pro["route"].as_str(), pro["region"].as_str()),
                (Some("us.amazon.nova-pro-v1:0"), Some("us-east-1"))
            );
            assert_eq!(pro["request"], converse_fields(FULL_PRESET), "the preset reaches Converse whole");
            assert_eq!(pro["base_model"], "bedrock/amazon.nova-pro-v1:0");
            let lite = by_name["amazon.nova-lite-v1:0"];
            assert_eq!(lite["route"], format!("converse/{APP_ARN}"), "an application profile takes the Converse route");
            assert_eq!(lite["request"], converse_fields(r#"{"maxTokens":256,"temperature":0.5}"#));
            assert_eq!(by_name["amazon.nova-micro-v1:0"]["route"], "amazon.nova-micro-v1:0");
        } else {
            let llama = by_name["meta.llama3-1-8b-instruct-v1:0"];
            assert_eq!(llama["region"], "us-east-2");
            assert_eq!(llama["request"], converse_fields(r#"{"maxTokens":128,"topP":0.5,"stopSequences":["STOP"]}"#));
        }
    }
}

#[test]
fn librechat_fragments_pass_librechats_own_config_schema() {
    let Some(node_modules) = consumer("node/node_modules/librechat-data-provider") else { return };
    let fake = fake().start().expect("fake");
    let setup = setup();
    let script = setup.home.dir.path().join("librechat_check.cjs");
    std::fs::write(&script, LIBRECHAT_CHECK).expect("write the script");
    let modules = node_modules.parent().expect("node_modules").to_path_buf();
    for (env, text) in [("prod", prod_text()), ("staging", STAGING_TEXT.to_owned())] {
        let (path, yaml) = setup.artefact(&fake, env, "librechat", &format!("{env}.librechat.yaml"));
        let stdout = run_consumer(Command::new("node").env("NODE_PATH", &modules).arg(&script).arg(&path));
        let bedrock: Value = serde_json::from_str(&stdout).expect("the endpoint, as LibreChat read it");
        let keys: Vec<String> = text
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split_once('=').map(|(key, _)| key.to_owned()))
            .collect();
        let models: BTreeSet<String> = bedrock["models"]
            .as_array()
            .expect("models")
            .iter()
            .map(|m| m.as_str().expect("an id").to_owned())
            .collect();
        assert_eq!(models, keys.iter().cloned().collect(), "every key is a model LibreChat offers");
        for key in &keys {
            let value = text.lines().find_map(|line| line.strip_prefix(&format!("{key}="))).expect("bound");
            let mapped = bedrock["inferenceProfiles"].get(key).and_then(Value::as_str);
            assert_eq!(mapped, (!value.is_empty()).then_some(value), "{key}");
        }
        if env == "prod" {
            assert!(yaml.contains("# Not carried: the presets of"), "{yaml}");
        }
    }
}

#[test]
fn step_functions_state_machines_pass_the_asl_validator_with_presets_in_their_bodies() {
    let Some(validator) = consumer("node/node_modules/.bin/asl-validator") else { return };
    let fake = fake().start().expect("fake");
    let setup = setup();
    for env in ["prod", "staging"] {
        let (path, json) = setup.artefact(&fake, env, "step-functions", &format!("{env}.asl.json"));
        run_consumer(Command::new(&validator).arg("--json-path").arg(&path));
        let machine: Value = serde_json::from_str(&json).expect("JSON");
        let states = machine["States"].as_object().expect("states");
        if env == "prod" {
            let pro = &states["Invoke-amazon.nova-pro-v1-0"]["Parameters"];
            assert_eq!(
                pro["ModelId"],
                format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-pro-v1:0")
            );
            assert_eq!(
                pro["Body"]["inferenceConfig"],
                json!({ "maxTokens": 512, "temperature": 0.2, "topP": 0.9, "stopSequences": ["END"] })
            );
            assert_eq!(states["Invoke-amazon.nova-lite-v1-0"]["Parameters"]["ModelId"], APP_ARN);
            assert_eq!(
                states["Invoke-amazon.nova-micro-v1-0"]["Parameters"]["ModelId"],
                "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"
            );
        } else {
            let llama = &states["Invoke-meta.llama3-1-8b-instruct-v1-0"];
            assert_eq!(
                llama["Parameters"]["ModelId"],
                format!("arn:aws:bedrock:us-east-2:{ACCOUNT}:inference-profile/us.meta.llama3-1-8b-instruct-v1:0")
            );
            assert_eq!(
                llama["Parameters"]["Body"],
                json!({ "prompt.$": "$.prompt", "max_gen_len": 128, "top_p": 0.5 })
            );
            assert!(llama["Comment"].as_str().is_some_and(|c| c.contains("stopSequences")), "{llama}");
        }
    }
}

#[test]
fn without_credentials_step_functions_names_the_missing_account_and_takes_it_from_account() {
    let fake = fake().start().expect("fake");
    let setup = setup();
    let refused = setup.export(&fake, "staging", "step-functions", false, &[]).failure();
    assert!(refused.stderr.contains("needs the AWS account id of environment `staging`"), "{}", refused.stderr);
    let run = setup.export(&fake, "staging", "step-functions", false, &["--account", "210987654321"]).success();
    assert!(run.stderr.contains("note: no AWS credentials"), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("arn:aws:bedrock:us-east-2:210987654321:inference-profile/us.meta.llama3-1-8b-instruct-v1:0")
    );
}

#[test]
fn iam_policies_pass_parliament_live_and_from_the_catalog() {
    let Some(python) = consumer("venv/bin/python") else { return };
    if consumer("venv/bin/parliament").is_none() {
        return;
    }
    let fake = fake().start().expect("fake");
    let setup = setup();
    let script = setup.home.dir.path().join("parliament_check.py");
    std::fs::write(&script, PARLIAMENT_CHECK).expect("write the script");
    let lint = |name: &str, text: &str| {
        let path = setup.home.dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let report: Value =
            serde_json::from_str(&run_consumer(Command::new(&python).arg(&script).arg(&path))).expect("JSON");
        assert_eq!(report, json!({ "findings": [], "misfits": [] }), "{name}: {text}");
    };
    for env in ["prod", "staging"] {
        let (_, policy) = setup.artefact(&fake, env, "iam-policy", &format!("{env}.policy.json"));
        lint(&format!("{env}.live.json"), &policy);
    }
    // Without credentials: staging from the catalog; prod's application profile is unknown.
    let offline = setup.export(&fake, "staging", "iam-policy", false, &["--account", ACCOUNT]).success();
    assert!(offline.stdout.contains("PerTheCatalog"), "the policy says where its regions came from");
    lint("staging.catalog.json", &offline.stdout);
    let refused = setup.export(&fake, "prod", "iam-policy", false, &["--account", ACCOUNT]).failure();
    assert!(refused.stderr.contains("without AWS credentials it could not be looked up"), "{}", refused.stderr);
}

#[test]
fn the_iam_policy_of_a_system_profile_spanning_three_regions_lists_exactly_it_and_its_three_models() {
    let fake = fake().start().expect("fake");
    let setup = setup();
    let model = |region: &str| format!("arn:aws:bedrock:{region}::foundation-model/meta.llama3-1-8b-instruct-v1:0");
    let profile = format!("arn:aws:bedrock:us-east-2:{ACCOUNT}:inference-profile/us.meta.llama3-1-8b-instruct-v1:0");
    let expected = BTreeSet::from([profile.clone(), model("us-east-1"), model("us-east-2"), model("us-west-2")]);
    let live = setup.export(&fake, "staging", "iam-policy", true, &[]).success().stdout;
    let catalog = setup.export(&fake, "staging", "iam-policy", false, &["--account", ACCOUNT]).success().stdout;
    for (source, text) in [("live", live), ("catalog", catalog)] {
        let policy: Value = serde_json::from_str(&text).expect("JSON");
        let statements = policy["Statement"].as_array().expect("statements");
        let resources: BTreeSet<String> = statements
            .iter()
            .flat_map(|s| s["Resource"].as_array().expect("resources").iter())
            .map(|r| r.as_str().expect("a string").to_owned())
            .collect();
        assert_eq!(resources, expected, "{source}");
        let actions: BTreeSet<&str> = statements
            .iter()
            .flat_map(|s| s["Action"].as_array().expect("actions"))
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(actions, BTreeSet::from(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]));
        assert!(statements.iter().all(|s| s["Effect"] == "Allow"));
    }
}

#[test]
fn cloudformation_templates_pass_cfn_lint_with_each_profiles_source_and_tags() {
    let Some(cfn_lint) = consumer("venv/bin/cfn-lint") else { return };
    let fake = fake().start().expect("fake");
    let setup = setup();
    let (path, json) = setup.artefact(&fake, "prod", "cloudformation", "prod.template.json");
    run_consumer(Command::new(&cfn_lint).arg("--regions").arg("us-east-1").arg("--").arg(&path));
    let template: Value = serde_json::from_str(&json).expect("JSON");
    let resources = template["Resources"].as_object().expect("resources");
    assert_eq!(resources.len(), 1, "one application profile is bound");
    let resource = &resources["Profilesearchnovalite"];
    assert_eq!(resource["Type"], "AWS::Bedrock::ApplicationInferenceProfile");
    assert_eq!(
        resource["Properties"],
        json!({
            "InferenceProfileName": "search-nova-lite",
            "Description": "Nova Lite for search",
            "ModelSource": { "CopyFrom": format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0") },
            "Tags": [{ "Key": "team", "Value": "search" }, { "Key": "cost-center", "Value": "ml-42" }],
        })
    );
    assert_eq!(template["Metadata"]["ExistingProfiles"]["Profilesearchnovalite"], APP_ARN);
    let refused = setup.export(&fake, "staging", "cloudformation", true, &[]).failure();
    assert!(refused.stderr.contains("binds no application inference profile"), "{}", refused.stderr);
    let offline = setup.export(&fake, "prod", "cloudformation", false, &[]).failure();
    assert!(offline.stderr.contains("which only AWS can tell"), "{}", offline.stderr);
}

#[tokio::test]
async fn the_api_serves_each_export_as_a_download_of_its_type_the_same_as_the_cli() {
    let fake = fake().spawn().await.expect("fake");
    let setup = setup();
    let app = router(
        AppState::new(Environments::directory(&setup.store), Catalog::embedded())
            .with_aws(aws_with(&fake, "us-east-1", AwsSettings::default()).await),
    );
    let formats = [
        ("inference-txt", "text/plain; charset=utf-8", "inference.txt", None),
        ("json", "application/json", "prod.bindings.json", Some("none")),
        ("litellm", "application/yaml; charset=utf-8", "prod.litellm.yaml", Some("none")),
        ("librechat", "application/yaml; charset=utf-8", "prod.librechat.yaml", Some("none")),
        ("step-functions", "application/json", "prod.asl.json", Some("live")),
        ("iam-policy", "application/json", "prod.iam-policy.json", Some("live")),
        ("cloudformation", "application/json", "prod.cloudformation.json", Some("live")),
    ];
    for (format, content_type, file_name, facts) in formats {
        let reply = send(&app, get(&format!("/api/v1/envs/prod/export?format={format}"))).await;
        assert!(reply.status.is_success(), "{format}: {} {}", reply.status, reply.text());
        let header = |name: &str| reply.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("content-type").as_deref(), Some(content_type), "{format}");
        assert_eq!(header("content-disposition"), Some(format!("attachment; filename=\"{file_name}\"")), "{format}");
        assert_eq!(header("x-bedrock-binder-facts").as_deref(), facts, "{format}");
        let cli = cli_export(setup.store.clone(), &fake, format).await;
        assert_eq!(reply.text(), cli, "{format}: the API and the CLI make the same artefact");
    }
    let unknown = send(&app, get("/api/v1/envs/prod/export?format=yaml")).await;
    let error = unknown.error(axum::http::StatusCode::BAD_REQUEST);
    assert!(error.message.contains("the formats are inference-txt, json, litellm"), "{}", error.message);
}

/// The CLI's artefact of `prod` in a home of its own, run off the async test's runtime (the
/// fake serves on it).
async fn cli_export(store: PathBuf, fake: &RunningFake, format: &str) -> String {
    let (endpoints, format) = (fake.endpoint_env(), format.to_owned());
    tokio::task::spawn_blocking(move || {
        let home = TestHome::new();
        let mut command = home.command();
        command.env("AWS_EC2_METADATA_DISABLED", "true").env("AWS_MAX_ATTEMPTS", "1");
        for (name, value) in endpoints.iter().chain(&TEST_CREDENTIALS_ENV.map(|(n, v)| (n, v.to_owned()))) {
            command.env(name, value);
        }
        command.arg("--store").arg(&store).args(["--env", "prod", "export", "--format", &format]);
        Run::from(command.output().expect("run the binary")).success().stdout
    })
    .await
    .expect("the CLI ran")
}
