//! The pure half of the library: no JS types, no system clock, no network.
//! Everything here is driven through traits so that it runs the same in a
//! browser, in a Worker and in a native `cargo test`.

pub mod b64;
pub mod cache;
pub mod client;
pub mod clock;
pub mod coordinator;
pub mod digest;
pub mod error;
pub mod events;
pub mod fetch;
pub mod fx;
pub mod http;
pub mod json;
pub mod lease;
pub mod lock;
pub mod manage;
pub mod options;
pub mod origin;
pub mod revocation;
pub mod secret;
pub mod store;
pub mod testing;
pub mod text;
pub mod time;
pub mod token;
pub mod vendors;
pub mod verifier;
