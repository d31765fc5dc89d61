//! vendor-auth: obtain, cache, renew and attach the API tokens of RunBuggy,
//! Personr, emnify, Zūm Rails and VoIPBIN from browsers, Node and Cloudflare
//! Workers.
//!
//! The crate has two halves:
//! - [`core`]: pure Rust. Every vendor rule and every cache rule lives here,
//!   behind the [`core::http::Transport`], [`core::clock::Clock`] and
//!   [`core::store::TokenStore`] traits, and is tested natively with
//!   `cargo test`.
//! - `web` (wasm32 only): adapts the JS world (global `fetch`, Web Storage,
//!   KV-shaped objects, Web Locks) to those traits and exports the JS API.

// A panic in wasm kills the module instance: no unwrap/expect in the library.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod core;
/// The Rust host of native tests and tools (the JS host, `pkg/host.js`,
/// runs the wasm build's operations).
#[cfg(not(target_arch = "wasm32"))]
pub mod host;

#[cfg(target_arch = "wasm32")]
pub mod web;

/// The wasm's allocator: talc rather than std's dlmalloc, 2.5 kB smaller
/// gzipped and no slower (see the README's "Dependencies and why").
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
