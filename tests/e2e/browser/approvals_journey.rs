//! The approval journey, on a server with auth (`--auth-file`) and a protected `prod`: an editor
//! signs in with a token, binds a model in `staging`, and proposes a promote of it to `prod`,
//! which writes nothing; an admin signs in, approves the request on prod's Requests page, and
//! prod's file changes by exactly that line; `pull` with a token then brings the file the
//! apps read, byte for byte what is on disk.

use std::ffi::OsString;
use std::path::Path;

use bedrock_binder::auth::AuthFile;
use bedrock_binder_shared::access::{Grant, Role};
use bedrock_binder_shared::api::EnvSettings;

use super::harness::{Page, journey_in, row, testid};
use super::journeys::{bind_through_picker, rebound};
use crate::helpers::TestHome;

const NOVA_LITE: &str = "amazon.nova-lite-v1:0";
const NOVA_LITE_US: &str = "us.amazon.nova-lite-v1:0";
const STAGING: &str = "# Staging\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\namazon.nova-lite-v1:0=\n";
const PROD: &str = "# Prod: every change is reviewed\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n";

fn write_env(store: &Path, name: &str, text: &str, protected: bool) {
    let dir = store.join("envs").join(name);
    std::fs::create_dir_all(&dir).expect("create the environment's directory");
    std::fs::write(dir.join("inference.txt"), text).expect("write inference.txt");
    let settings = EnvSettings { protected, ..EnvSettings::default() };
    let json = serde_json::to_string_pretty(&settings).expect("settings as JSON") + "\n";
    std::fs::write(dir.join("settings.json"), json).expect("write settings.json");
}

/// Signs in on the sign-in page the app sent the browser to, and waits to be back.
async fn sign_in(page: &Page, token: &str) -> Result<(), fantoccini::error::CmdError> {
    let field = page.find(&testid("signin-token")).await?;
    field.send_keys(token).await?;
    page.click("signin-submit").await?;
    page.find(&testid("signed-in-name")).await?;
    Ok(())
}

#[tokio::test]
async fn an_editor_proposes_a_promote_to_protected_prod_and_an_admin_approves_it() {
    let home = TestHome::new();
    let root = home.dir.path().to_owned();
    let store = root.join("store");
    write_env(&store, "default", "", false);
    write_env(&store, "staging", STAGING, false);
    write_env(&store, "prod", PROD, true);
    let mut auth = AuthFile::default();
    let on = |role, envs: &[&str]| vec![Grant { role, envs: envs.iter().map(|e| e.parse().expect("name")).collect() }];
    let erin = auth.create_token("erin".parse().expect("name"), on(Role::Editor, &["staging", "prod"])).expect("token");
    let ada = auth.create_token("ada".parse().expect("name"), on(Role::Admin, &[])).expect("token");
    let auth_file = root.join("auth.json");
    auth.save(&auth_file).expect("save the auth file");
    let ada_token_file = root.join("ada.token");
    std::fs::write(&ada_token_file, &ada).expect("write the token file");

    let args: Vec<OsString> = vec!["--store".into(), store.clone().into_os_string()];
    let env = [("BEDROCK_BINDER_AUTH_FILE".to_owned(), auth_file.display().to_string())];
    journey_in("approvals", home, &args, &env, move |page| async move {
        let prod_file = store.join("envs/prod/inference.txt");
        let staging_file = store.join("envs/staging/inference.txt");
        let prod_on_disk = || std::fs::read_to_string(&prod_file).expect("read prod's file");

        // Not signed in: the app sends the browser to the sign-in page, then back.
        page.client.goto(&page.address("/?env=staging")).await?;
        sign_in(&page, &erin).await?;
        page.wait_text(&testid("signed-in-name"), "erin").await?;

        // The editor binds Nova Lite in staging, which is not protected: written at once.
        bind_through_picker(&page, NOVA_LITE, NOVA_LITE_US).await?;
        assert_eq!(std::fs::read_to_string(&staging_file)?, rebound(STAGING, NOVA_LITE, NOVA_LITE_US));

        // Proposing the promote into protected prod writes nothing there.
        page.click("nav-promote").await?;
        page.find(&testid("promote-to")).await?.select_by_value("prod").await?;
        // Until prod's diff arrives, the rows are those of the environment chosen first.
        page.wait_text(&testid("env-diff"), "from staging to prod").await?;
        page.find(&row("diff-row", NOVA_LITE)).await?;
        page.find(&testid("promote-reason")).await?.send_keys("Nova Lite through the US profile").await?;
        // The page hides what an editor may not do: previewing a promote needs an admin.
        let preview = page.find(&testid("promote-preview")).await?;
        let on_page = &page;
        page.wait_for("Preview to be hidden from an editor", move || {
            let preview = preview.clone();
            async move { Ok((!preview.is_displayed().await?).then_some(())) }
        })
        .await?;
        assert!(on_page.try_find(&testid("env-create")).await?.is_none());
        let propose = page.find(&testid("promote-propose")).await?;
        page.wait_enabled(&propose, "Propose for approval").await?;
        propose.click().await?;
        page.wait_text(&testid("status"), "Proposed change request #1 for prod").await?;
        assert_eq!(prod_on_disk(), PROD, "a proposal writes nothing");

        // The editor signs out; the admin signs in and opens prod's requests.
        page.click("sign-out").await?;
        page.find(&testid("signin-form")).await?;
        page.client.goto(&page.address("/envs?env=prod#/requests")).await?;
        sign_in(&page, &ada).await?;
        page.wait_text(&testid("signed-in-name"), "ada").await?;
        let request = page.find(&format!("{}[data-id=\"1\"]", testid("request"))).await?;
        assert_eq!(request.attr("data-status").await?.as_deref(), Some("open"));
        let text = request.text().await?;
        assert!(text.contains("erin") && text.contains("Nova Lite through the US profile"), "{text}");
        page.find_in(&request, &testid("request-comment")).await?.send_keys("ship it").await?;
        page.find_in(&request, &testid("request-approve")).await?.click().await?;
        page.wait_text(&testid("status"), "Approved request #1").await?;
        let applied = format!("{PROD}{NOVA_LITE}={NOVA_LITE_US}\n");
        assert_eq!(prod_on_disk(), applied, "prod changed by exactly the promoted line");
        page.wait_text(&format!("{}[data-id=\"1\"]", testid("request")), "ship it").await?;

        // History names both the author and the approver.
        page.click("nav-history").await?;
        page.wait_text(&testid("history-approver"), "ada").await?;

        // The apps' copy: `pull` with a token writes exactly prod's bytes.
        let app = TestHome::new();
        let pulled = app.dir.path().join("inference.txt");
        let server = page.address("");
        let run = app
            .command()
            .arg("--file")
            .arg(&pulled)
            .args(["--env", "prod", "pull", "--server", server.trim_end_matches('/'), "--token-file"])
            .arg(&ada_token_file)
            .output()
            .expect("run pull");
        assert!(run.status.success(), "pull failed: {}", String::from_utf8_lossy(&run.stderr));
        assert_eq!(std::fs::read(&pulled)?, std::fs::read(&prod_file)?, "pull brings prod byte for byte");
        Ok(())
    })
    .await;
}
