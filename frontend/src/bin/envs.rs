//! Mounts the environments bundle (`/envs`): the same shell around the environments, promote,
//! history and requests pages and the file's raw editor and import/export, in a wasm of its
//! own so that the bindings page does not download them.

fn main() {
    #[cfg(target_arch = "wasm32")]
    bedrock_binder_frontend::app::mount(
        bedrock_binder_frontend::state::route::Site::Envs,
        bedrock_binder_frontend::pages::envs::envs_pages,
    );
}
