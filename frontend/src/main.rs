//! Placeholder for the browser UI; the web-app issue replaces it with the Leptos app.

fn main() {}
