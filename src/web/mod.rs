//! The JS half: adapters from the JS world to the core traits, and the
//! exported API. Nothing here decides anything a vendor or the cache cares
//! about; that all lives in `core`.

mod api;
mod authfetch;
pub use api::AuthClient;
mod convert;
mod coordinator;
mod error;
mod fetch;
mod locks;
mod runtime;
mod storage;
mod types;
