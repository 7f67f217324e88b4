//! Secure randomness, for the tokens and the session secret.

/// Fills `bytes` from the operating system's secure random generator.
pub(crate) fn secure_random(bytes: &mut [u8]) {
    // The TLS stack's generator reads the OS's; it fails only if the OS cannot give randomness,
    // in which case no token or secret may be made at all.
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(bytes)
        .expect("the operating system's secure random generator is unavailable");
}
