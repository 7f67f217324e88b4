//! Mounts the main bundle: bindings and catalog. Everything else is in
//! the library, so its logic is testable on the host.

fn main() {
    #[cfg(target_arch = "wasm32")]
    bedrock_binder_frontend::app::mount(
        bedrock_binder_frontend::state::route::Site::Main,
        bedrock_binder_frontend::pages::main_pages,
    );
}
