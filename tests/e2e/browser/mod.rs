//! Browser journeys: the real `bedrock-binder serve` binary on port 0 with a temporary file,
//! driven in Debian's headless Chromium through chromedriver, clicking and typing as a user
//! does, then checking what the page shows and what is now on disk.
//!
//! Each journey has its own server, temporary directory, chromedriver and browser profile, so
//! journeys can run in parallel; `.config/nextest.toml` runs at most two at a time, since each
//! Chromium costs a core's worth of CPU while the wasm compiles. A failing journey saves a
//! screenshot (and the page's HTML) to `target/e2e-screenshots/<journey>.png`.
//!
//! The UI is embedded in the binary only if `frontend/dist` existed when the backend was built:
//! `scripts/test.sh` builds it first. Chromium comes from `scripts/setup.sh chromium`.

mod approvals_journey;
mod aws_journey;
mod bundle;
mod envs_journey;
mod harness;
mod journeys;
mod presets_journey;
mod session_journey;
