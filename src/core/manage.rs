//! Vendor account methods beyond tokens: emnify application tokens and
//! VoIPBIN access keys. Each is an authorized call (the token attached the
//! vendor's way, renewed once on rejection); a method of another vendor is
//! `UNSUPPORTED`.

use crate::core::client::{Client, Op};
use crate::core::error::AuthError;
use crate::core::fx::{Step, Stop};
use crate::core::json::Value;
use crate::core::secret::Secret;
use crate::core::vendors::emnify::{self, NewApplicationToken};
use crate::core::vendors::voipbin::{self, NewAccessKey};

/// A list that pages on forever is cut off here (100 per page: 100,000 keys).
const MAX_PAGES: usize = 1000;

impl Client {
    /// emnify `POST /api/v1/application_token`: the new application token.
    pub fn create_application_token<'a>(
        &'a self,
        params: &'a NewApplicationToken,
    ) -> Op<'a, Secret> {
        self.managed(self.emnify().map(|e| e.root()), move |root| {
            let request = emnify::create_application_token_request(root, params);
            let response = self.authorized_step(request)?;
            Ok(emnify::parse_created_application_token(&response)?)
        })
    }

    /// emnify `GET /api/v1/application_token`.
    pub fn list_application_tokens(&self) -> Op<'_, Vec<Value>> {
        self.managed(self.emnify().map(|e| e.root()), move |root| {
            let request = emnify::list_application_tokens_request(root);
            let response = self.authorized_step(request)?;
            Ok(emnify::parse_application_tokens(&response)?)
        })
    }

    /// emnify `PATCH /api/v1/application_token/{id}` to status 1 (revoked).
    pub fn revoke_application_token(&self, id: u64) -> Op<'_, ()> {
        self.managed(self.emnify().map(|e| e.root()), move |root| {
            let request = emnify::revoke_application_token_request(root, id);
            let response = self.authorized_step(request)?;
            Ok(emnify::parse_revoked(&response)?)
        })
    }

    /// VoIPBIN `POST /v1.0/accesskeys`: the new key, with its token (shown
    /// only this once).
    pub fn create_access_key<'a>(&'a self, params: &'a NewAccessKey) -> Op<'a, Value> {
        self.managed(self.voipbin().map(|v| v.root()), move |root| {
            let request = voipbin::create_access_key_request(root, params);
            let response = self.authorized_step(request)?;
            Ok(voipbin::parse_access_key(&response)?)
        })
    }

    /// VoIPBIN `GET /v1.0/accesskeys`, every page.
    pub fn list_access_keys(&self) -> Op<'_, Vec<Value>> {
        self.managed(self.voipbin().map(|v| v.root()), move |root| {
            let mut keys = Vec::new();
            let mut page_token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let request = voipbin::list_access_keys_request(root, page_token.as_deref());
                let response = self.authorized_step(request)?;
                let (page, next) = voipbin::parse_access_key_page(&response)?;
                let empty = page.is_empty();
                keys.extend(page);
                // A token that does not move on, or an empty page, ends the list.
                match next {
                    Some(next) if !empty && Some(&next) != page_token.as_ref() => {
                        page_token = Some(next)
                    }
                    _ => break,
                }
            }
            Ok(keys)
        })
    }

    /// VoIPBIN `DELETE /v1.0/accesskeys/{id}`: the deleted key.
    pub fn delete_access_key<'a>(&'a self, id: &'a str) -> Op<'a, Value> {
        self.managed(self.voipbin().map(|v| v.root()), move |root| {
            let request = voipbin::delete_access_key_request(root, id);
            let response = self.authorized_step(request)?;
            Ok(voipbin::parse_access_key(&response)?)
        })
    }

    /// An account method of the vendor whose API root is `root` (else the
    /// `UNSUPPORTED` error, returned as it is) as an operation; the call's
    /// errors are reported.
    fn managed<'a, T>(
        &'a self,
        root: Result<&'a str, AuthError>,
        mut step: impl FnMut(&str) -> Step<T> + 'a,
    ) -> Op<'a, T> {
        self.op(move || match &root {
            Ok(root) => self.reported(step(root)),
            Err(error) => Err(Stop::Fail(error.clone())),
        })
    }
}
