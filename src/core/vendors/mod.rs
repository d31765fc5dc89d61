//! The five vendors. Each file holds one vendor's whole behaviour — hosts,
//! credential kinds, request builders, response parsers, error mapping — and
//! cites the vendor page it implements. This module holds what they share:
//! the [`Vendor`] names, the [`VendorFlow`] trait and environment resolution.

pub mod common;
pub mod emnify;
pub mod personr;
pub mod runbuggy;
pub mod voipbin;
pub mod zumrails;

use crate::core::error::AuthError;
use crate::core::fx::Step;
use crate::core::http::{with_query, HttpRequest};
use crate::core::options::{clip, ClientOptions};
use crate::core::secret::Secret;
use crate::core::token::TokenSet;
pub use common::{AuthRetry, Http};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Vendor {
    RunBuggy,
    Personr,
    Emnify,
    ZumRails,
    Voipbin,
}

impl Vendor {
    pub const NAMES: [&'static str; 5] = ["runbuggy", "personr", "emnify", "zumrails", "voipbin"];

    pub fn parse(name: &str) -> Option<Vendor> {
        Some(match name {
            "runbuggy" => Vendor::RunBuggy,
            "personr" => Vendor::Personr,
            "emnify" => Vendor::Emnify,
            "zumrails" => Vendor::ZumRails,
            "voipbin" => Vendor::Voipbin,
            _ => return None,
        })
    }

    /// Whether this build has the vendor: every build has all five unless it
    /// was made for one vendor's entry (`vendor-auth/emnify` …).
    pub fn included(self) -> bool {
        match self {
            Vendor::RunBuggy => cfg!(feature = "runbuggy"),
            Vendor::Personr => cfg!(feature = "personr"),
            Vendor::Emnify => cfg!(feature = "emnify"),
            Vendor::ZumRails => cfg!(feature = "zumrails"),
            Vendor::Voipbin => cfg!(feature = "voipbin"),
        }
    }

    /// The vendors this build has.
    pub fn all_included() -> Vec<&'static str> {
        Self::NAMES
            .into_iter()
            .filter(|name| Vendor::parse(name).is_some_and(Vendor::included))
            .collect()
    }

    /// The name used in options, cache keys and `AuthError.vendor`.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::RunBuggy => "runbuggy",
            Vendor::Personr => "personr",
            Vendor::Emnify => "emnify",
            Vendor::ZumRails => "zumrails",
            Vendor::Voipbin => "voipbin",
        }
    }

    /// The vendor's own spelling, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Vendor::RunBuggy => "RunBuggy",
            Vendor::Personr => "Personr",
            Vendor::Emnify => "emnify",
            Vendor::ZumRails => "Zūm Rails",
            Vendor::Voipbin => "VoIPBIN",
        }
    }

    /// The credential shapes, for messages about missing credentials.
    pub fn credential_hint(self) -> &'static str {
        match self {
            Vendor::RunBuggy => {
                "{ apiToken } or { sessionJwt, tokenName, description?, expireAt? }"
            }
            Vendor::Personr => "{ email, password }",
            Vendor::Emnify => "{ applicationToken } or { username, password, passwordIsSha1? }",
            Vendor::ZumRails => "{ username, password }",
            Vendor::Voipbin => "{ username, password } or { accessKey }",
        }
    }

    /// Hosts per environment; the first is the default.
    fn environments(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Vendor::RunBuggy => runbuggy::ENVIRONMENTS,
            Vendor::Personr => personr::ENVIRONMENTS,
            Vendor::Emnify => emnify::ENVIRONMENTS,
            Vendor::ZumRails => zumrails::ENVIRONMENTS,
            Vendor::Voipbin => voipbin::ENVIRONMENTS,
        }
    }
}

/// Where a client talks to: the vendor root and the label of its cache scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// The vendor root without a trailing `/`: `baseUrl`, or the environment's.
    pub root: String,
    /// The environment name (`production`, `staging`, `sandbox`).
    pub environment: String,
    /// `environment`, or `baseUrl` when one is given: entries of two roots
    /// never mix.
    pub scope: String,
}

/// Resolves `environment` and `baseUrl` against the vendor's hosts.
pub fn resolve_site(options: &ClientOptions) -> Result<Site, AuthError> {
    let environments = options.vendor.environments();
    let environment = match &options.environment {
        None => environments[0].0,
        Some(name) => environments
            .iter()
            .map(|(env, _)| *env)
            .find(|env| env == name)
            .ok_or_else(|| {
                let names: Vec<&str> = environments.iter().map(|(env, _)| *env).collect();
                AuthError::invalid_options(format!(
                    "options.environment: {} has no environment `{}`; use {}",
                    options.vendor.display_name(),
                    clip(name),
                    names.join(" or ")
                ))
            })?,
    };
    let default_root = environments
        .iter()
        .find(|(env, _)| *env == environment)
        .map_or("", |(_, root)| *root);
    Ok(match &options.base_url {
        Some(base) => Site {
            root: base.clone(),
            environment: environment.to_string(),
            scope: base.clone(),
        },
        None => Site {
            root: default_root.to_string(),
            environment: environment.to_string(),
            scope: environment.to_string(),
        },
    })
}

/// What `revoke()` achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revoked {
    /// The vendor invalidated the token.
    AtVendor,
    /// The vendor has no way to revoke this token: it was only forgotten here.
    LocallyOnly,
}

/// Where a token goes on an API request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attachment {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `?<name>=<token>` in the query string.
    Query(&'static str),
}

impl Attachment {
    /// The request with the token attached.
    pub fn apply(self, request: HttpRequest, token: &Secret) -> HttpRequest {
        match self {
            Attachment::Bearer => request.bearer(token),
            Attachment::Query(name) => {
                let url = with_query(&request.url, name, token.expose());
                HttpRequest { url, ..request }
            }
        }
    }
}

/// One vendor's way of obtaining a token for one set of credentials.
pub trait VendorFlow {
    fn vendor(&self) -> Vendor;

    /// Identifies whose token this is (e.g. `user:alice@example.com`). It is
    /// hashed into the cache key and never stored in clear.
    fn principal(&self) -> String;

    /// A token given directly in the credentials (RunBuggy `apiToken`,
    /// VoIPBIN `accessKey`): used as is, with no network and no cache.
    fn static_token(&self) -> Option<TokenSet> {
        None
    }

    /// Obtains a new token: log in, exchange, or renew. `previous` is the last
    /// token this principal had, for vendors that renew with a refresh token.
    fn obtain(&self, http: &Http<'_>, previous: Option<&TokenSet>) -> Step<TokenSet>;

    /// Invalidates `token` at the vendor where the vendor supports it.
    fn revoke(&self, _http: &Http<'_>, _token: &TokenSet) -> Step<Revoked> {
        Ok(Revoked::LocallyOnly)
    }

    /// The secrets in the credentials, scrubbed from every error message.
    fn secrets(&self) -> Vec<&str>;

    /// What kind of secret verifies this client's cache entries: a
    /// vendor-issued key needs one HMAC, a password the iterations
    /// ([`crate::core::verifier::Kind`]).
    fn secret_kind(&self) -> crate::core::verifier::Kind {
        crate::core::verifier::Kind::Password
    }

    /// Secrets of a flow in progress (emnify's pending `mfa_token`), also
    /// scrubbed from every error.
    fn transient_secrets(&self) -> Vec<String> {
        Vec::new()
    }

    /// Whether `client.fetch` lets the browser send the vendor's cookies by
    /// default. VoIPBIN's login sets a `token` cookie that its server reads
    /// before `Authorization`: with it, calls would be made as whoever
    /// logged in last, and stay authenticated after `revoke()`.
    fn sends_cookies(&self) -> bool {
        true
    }

    /// Where the token goes on API calls.
    fn attachment(&self) -> Attachment {
        Attachment::Bearer
    }

    /// Whether an API answer says the token was rejected (a 401, and each
    /// vendor's own "token invalid" answers). Judged by the status first:
    /// gateways in front of a vendor answer 401 in their own shape.
    fn is_rejection(&self, status: u16, _body: &str) -> bool {
        status == 401
    }

    /// Whether an API answer of this status may be a rejection, so that its
    /// body must be read to tell ([`VendorFlow::is_rejection`]). Other
    /// answers go back to the caller unread.
    fn may_be_rejection(&self, status: u16) -> bool {
        status == 401 || status == 403
    }

    /// Whether a rate-limit error of a login holds off only this principal
    /// (an account lock-out) rather than every client of the vendor root
    /// (an IP limit, the default).
    fn holds_principal_only(&self, _error: &AuthError) -> bool {
        false
    }

    /// The hold, in seconds, that an answer to one of the caller's own API
    /// calls imposes on logins (Zūm Rails blocks the IP for 5 minutes after
    /// any 429). `retry_after` is the readable `Retry-After`, if any.
    fn api_hold_seconds(&self, _status: u16, _retry_after: Option<u64>) -> Option<u64> {
        None
    }

    /// How long the vendor keeps an unused token alive, whatever its expiry
    /// (Bubble drops a Personr token after 30 days without use). The client
    /// then keeps the time of last use in the entry.
    fn idle_drop_ms(&self) -> Option<i64> {
        None
    }

    /// Which failures of a login are retried.
    fn auth_retry(&self) -> AuthRetry {
        AuthRetry::Full
    }

    /// Whether a rejected token may be replaced by obtaining a new one.
    /// Personr says no unless the caller opted in: generating invalidates the
    /// token for every other holder.
    fn renews_after_rejection(&self) -> bool {
        true
    }

    /// The emnify flow, for emnify-only methods.
    fn as_emnify(&self) -> Option<&emnify::Emnify> {
        None
    }

    /// The VoIPBIN flow, for VoIPBIN-only methods.
    fn as_voipbin(&self) -> Option<&voipbin::Voipbin> {
        None
    }
}

/// Builds the flow for validated options.
pub fn flow(options: &ClientOptions, site: &Site) -> Result<Box<dyn VendorFlow>, AuthError> {
    let root = site.root.clone();
    let credentials = options.credential_fields();
    // A vendor left out of this build is refused with the options
    // (`ClientOptions::from_json`); its arm is compiled out so that its
    // flow is not in the wasm.
    Ok(match options.vendor {
        #[cfg(feature = "runbuggy")]
        Vendor::RunBuggy => Box::new(runbuggy::RunBuggy::new(root, site, &credentials)?),
        #[cfg(feature = "personr")]
        Vendor::Personr => Box::new(personr::Personr::new(
            root,
            &credentials,
            &options.fields(),
        )?),
        #[cfg(feature = "emnify")]
        Vendor::Emnify => Box::new(emnify::Emnify::new(root, &credentials, &options.fields())?),
        #[cfg(feature = "zumrails")]
        Vendor::ZumRails => Box::new(zumrails::ZumRails::new(root, &credentials)?),
        #[cfg(feature = "voipbin")]
        Vendor::Voipbin => Box::new(voipbin::Voipbin::new(
            root,
            &credentials,
            &options.fields(),
        )?),
        #[allow(unreachable_patterns)]
        _ => return Err(not_included(options.vendor)),
    })
}

/// The options error for a vendor this build was made without.
pub fn not_included(vendor: Vendor) -> AuthError {
    let here = Vendor::all_included().join(", ");
    AuthError::invalid_options(format!(
        "options.vendor: this entry of vendor-auth has only {here}; import \"vendor-auth\" (all five vendors) or \"vendor-auth/{}\" for {}",
        vendor.as_str(),
        vendor.display_name()
    ))
}
