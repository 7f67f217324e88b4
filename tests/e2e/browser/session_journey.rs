//! Signing in from the browser, on a server with an auth file: the app sends a visitor
//! without a session to the sign-in page, which refuses a wrong token and, with the right one,
//! brings them back; the header then names them, a bind goes through (the app sends the CSRF
//! header its cookie-signed writes need), and signing out ends the session.

use std::ffi::OsString;

use super::harness::{journey_in, row, testid};
use crate::helpers::TestHome;

const NOVA: &str = "amazon.nova-pro-v1:0";
const NOVA_US: &str = "us.amazon.nova-pro-v1:0";

#[tokio::test]
async fn signing_in_with_a_token_names_the_user_in_the_header_lets_them_bind_and_signing_out_ends_it() {
    let home = TestHome::with_file(&format!("{NOVA}=\n"));
    let auth_file = home.dir.path().join("auth.json");
    let auth = auth_file.to_str().expect("UTF-8").to_owned();
    let created = home.run(&["token", "create", "--name", "ana", "--role", "editor", "--auth-file", &auth]).success();
    let token = created.stdout.lines().next().expect("the token").to_owned();
    let env = [("BEDROCK_BINDER_AUTH_FILE".to_owned(), auth)];
    journey_in("sign-in", home, &[] as &[OsString], &env, move |page| async move {
        // Without a session the app's first call is a 401, which leads to the sign-in page.
        page.client.goto(&page.address("/?env=default#/bindings")).await?;
        let field = page.find(&testid("signin-token")).await?;
        let address = page.client.current_url().await?;
        assert_eq!(address.path(), "/signin", "{address}");
        let next = address.query_pairs().find(|(key, _)| key == "next").map(|(_, value)| value.into_owned());
        assert_eq!(next.as_deref(), Some("/?env=default#/bindings"), "{address}");

        field.send_keys("bbt_not-a-token").await?;
        page.click("signin-submit").await?;
        let error = page.wait_text(&testid("signin-error"), "not known").await?;
        assert!(!error.contains("bbt_"), "the page does not echo what was typed: {error}");

        page.find(&testid("signin-token")).await?.send_keys(&token).await?;
        page.click("signin-submit").await?;
        page.find(&row("binding-row", NOVA)).await?;
        assert_eq!(page.client.current_url().await?.path(), "/", "back where the user was going");
        page.wait_text(&testid("signed-in-name"), "ana").await?;

        // A write signed by the cookie: the app sends the header the server asks of it.
        let table_row = page.find(&row("binding-row", NOVA)).await?;
        page.find_in(&table_row, &testid("bind-button")).await?.click().await?;
        let input = page.find_in(&table_row, &testid("profile-input")).await?;
        page.retype(&input, NOVA_US).await?;
        let save = page.find_in(&table_row, &testid("profile-save")).await?;
        page.wait_enabled(&save, "the picker's Bind button").await?;
        save.click().await?;
        page.wait_text(&testid("status"), "Saved").await?;
        assert_eq!(page.disk_text(), format!("{NOVA}={NOVA_US}\n"));

        // Signing out drops the cookie: the app is back at the sign-in page and stays there.
        page.click("sign-out").await?;
        page.find(&testid("signin-token")).await?;
        page.client.goto(&page.address("/")).await?;
        page.find(&testid("signin-token")).await?;
        Ok(())
    })
    .await;
}
