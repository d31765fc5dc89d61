//! Vendor account methods beyond tokens: emnify application tokens and
//! VoIPBIN access keys. Each is an authorized call (the token attached the
//! vendor's way, renewed once on rejection); a method of another vendor is
//! `UNSUPPORTED`.

use crate::core::client::Client;
use crate::core::error::AuthError;
use crate::core::json::Value;
use crate::core::secret::Secret;
use crate::core::vendors::emnify::{self, NewApplicationToken};
use crate::core::vendors::voipbin::{self, NewAccessKey};

/// A list that pages on forever is cut off here (100 per page: 100,000 keys).
const MAX_PAGES: usize = 1000;

impl Client {
    /// emnify `POST /api/v1/application_token`: the new application token.
    pub async fn create_application_token(
        &self,
        params: &NewApplicationToken,
    ) -> Result<Secret, AuthError> {
        let request = emnify::create_application_token_request(self.emnify()?.root(), params);
        let response = self.authorized(request).await?;
        self.reported(emnify::parse_created_application_token(&response))
    }

    /// emnify `GET /api/v1/application_token`.
    pub async fn list_application_tokens(&self) -> Result<Vec<Value>, AuthError> {
        let request = emnify::list_application_tokens_request(self.emnify()?.root());
        let response = self.authorized(request).await?;
        self.reported(emnify::parse_application_tokens(&response))
    }

    /// emnify `PATCH /api/v1/application_token/{id}` to status 1 (revoked).
    pub async fn revoke_application_token(&self, id: u64) -> Result<(), AuthError> {
        let request = emnify::revoke_application_token_request(self.emnify()?.root(), id);
        let response = self.authorized(request).await?;
        self.reported(emnify::parse_revoked(&response))
    }

    /// VoIPBIN `POST /v1.0/accesskeys`: the new key, with its token (shown
    /// only this once).
    pub async fn create_access_key(&self, params: &NewAccessKey) -> Result<Value, AuthError> {
        let request = voipbin::create_access_key_request(self.voipbin()?.root(), params);
        let response = self.authorized(request).await?;
        self.reported(voipbin::parse_access_key(&response))
    }

    /// VoIPBIN `GET /v1.0/accesskeys`, every page.
    pub async fn list_access_keys(&self) -> Result<Vec<Value>, AuthError> {
        let root = self.voipbin()?.root().to_string();
        let mut keys = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let request = voipbin::list_access_keys_request(&root, page_token.as_deref());
            let response = self.authorized(request).await?;
            let (page, next) = self.reported(voipbin::parse_access_key_page(&response))?;
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
    }

    /// VoIPBIN `DELETE /v1.0/accesskeys/{id}`: the deleted key.
    pub async fn delete_access_key(&self, id: &str) -> Result<Value, AuthError> {
        let request = voipbin::delete_access_key_request(self.voipbin()?.root(), id);
        let response = self.authorized(request).await?;
        self.reported(voipbin::parse_access_key(&response))
    }
}
