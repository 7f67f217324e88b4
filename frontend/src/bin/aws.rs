//! Mounts the AWS bundle (`/aws`): the same shell around the AWS page, in a wasm of its own so
//! that the bindings page does not download it.

fn main() {
    #[cfg(target_arch = "wasm32")]
    bedrock_binder_frontend::app::mount(
        bedrock_binder_frontend::state::route::Site::Aws,
        bedrock_binder_frontend::pages::aws::aws_pages,
    );
}
