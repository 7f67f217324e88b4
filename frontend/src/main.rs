//! Mounts the app. Everything else is in the library, so its logic is testable on the host.

fn main() {
    #[cfg(target_arch = "wasm32")]
    bedrock_binder_frontend::app::mount();
}
