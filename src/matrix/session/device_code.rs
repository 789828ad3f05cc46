//! The first session by the OAuth 2.0 device authorization grant (RFC 8628), for homeservers
//! that hand login to an authorization server (the Matrix Authentication Service, OIDC-native
//! Matrix) and turn password login off.
//!
//! confidant registers itself with the authorization server as a public client, asks for a
//! code for a new device of its own choosing, and shows the operator where to approve it. It
//! then polls the token endpoint until the operator has approved (or refused, or the code ran
//! out). The tokens it gets are short-lived and come with a refresh token: the client refreshes
//! them itself (`handle_refresh_tokens`), and every refresh is written to the session file.

use std::time::Duration;

use anyhow::Context;
use matrix_sdk::{
    Client, SessionMeta, SessionTokens,
    authentication::oauth::{
        OAuthSession, UserSession,
        registration::{ApplicationType, ClientMetadata, Localized, OAuthGrantType},
    },
    reqwest::{self, Url},
    ruma::serde::Raw,
    store::RoomLoadSettings,
};
use serde::Deserialize;

use crate::config::Config;

/// The grant type of a device-code token request (RFC 8628 §3.4).
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The added wait a `slow_down` answer asks for (RFC 8628 §3.5).
const SLOW_DOWN: Duration = Duration::from_secs(5);

/// What the operator needs to approve the login, from the authorization server.
#[derive(Debug, Deserialize)]
pub struct DeviceCode {
    /// The code only the token requests use; never shown.
    device_code: String,
    /// The code the operator types at `verification_uri`.
    pub user_code: String,
    /// Where the operator approves the login.
    pub verification_uri: String,
    /// The same with the code filled in, when the server offers it.
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    /// How long the code stays valid, in seconds.
    pub expires_in: u64,
    /// How long to wait between token requests, in seconds.
    #[serde(default = "default_interval")]
    interval: u64,
}

fn default_interval() -> u64 {
    5
}

/// A token endpoint's answer: tokens, or an error code.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    refresh_token: Option<String>,
    error: Option<String>,
}

/// Logs `client` in by the device authorization grant: registers confidant with the
/// homeserver's authorization server, hands the code to `show` for the operator, waits for the
/// approval, checks that the tokens belong to the configured account and starts the session
/// with them, and stores it in the session file like the other first logins.
pub async fn login(
    client: &Client,
    config: &Config,
    show: impl FnOnce(&DeviceCode),
) -> anyhow::Result<()> {
    // A client that keeps nothing, for discovery and registration: registering sets its
    // client id, which `client` must take with the session.
    let probe = Client::builder()
        .homeserver_url(&config.homeserver)
        .respect_login_well_known(false)
        .build()
        .await
        .context("cannot set up the Matrix client")?;
    let metadata = probe.oauth().server_metadata().await.map_err(|e| {
        if e.is_not_supported() {
            anyhow::anyhow!(
                "{} does not offer OAuth 2.0 login (it names no authorization server); log in \
                 with the password (CONFIDANT_PASSWORD) or an access token \
                 (CONFIDANT_ACCESS_TOKEN) instead",
                config.homeserver
            )
        } else {
            anyhow::anyhow!("cannot read the homeserver's authorization server metadata: {e}")
        }
    })?;
    let Some(device_endpoint) = metadata.device_authorization_endpoint.clone() else {
        anyhow::bail!(
            "the homeserver's authorization server ({}) does not offer device-code login; log \
             in with an access token it issues for the bot (CONFIDANT_ACCESS_TOKEN) instead",
            metadata.issuer
        );
    };
    let registration = probe
        .oauth()
        .register_client(&client_metadata(config)?)
        .await
        .context("the authorization server refused to register confidant as a client")?;
    let client_id = registration.client_id;
    drop(probe);

    // The device is ours to name: the scope asks for it, and the homeserver creates it on
    // approval.
    let device_id = matrix_sdk::ruma::DeviceId::new();
    let scope = format!("urn:matrix:client:api:* urn:matrix:client:device:{device_id}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .context("cannot set up the HTTP client")?;
    let code: DeviceCode = post_form(
        &http,
        device_endpoint,
        &[("client_id", client_id.as_str()), ("scope", &scope)],
    )
    .await
    .and_then(|(status, body)| {
        anyhow::ensure!(
            status.is_success(),
            "the authorization server refused the device-code request ({status}: {})",
            error_code(&body)
        );
        serde_json::from_slice(&body).context("the device-code answer is not what RFC 8628 says")
    })?;
    show(&code);

    let tokens = poll(&http, &metadata.token_endpoint, client_id.as_str(), &code).await?;
    let (user_id, approved_device) =
        super::token_owner(config, &tokens.access_token, "the approved tokens").await?;
    anyhow::ensure!(
        user_id.as_str() == config.user_id,
        "the login was approved for {user_id}, not for user_id {}; approve it signed in as the \
         bot's account. Nothing was stored",
        config.user_id
    );
    let device_id = approved_device.unwrap_or(device_id);
    client
        .oauth()
        .restore_session(
            OAuthSession {
                client_id,
                user: UserSession {
                    meta: SessionMeta { user_id, device_id },
                    tokens,
                },
            },
            RoomLoadSettings::default(),
        )
        .await
        .context("cannot start the session with the approved tokens")?;
    super::write_session(client, config)
}

/// What confidant tells the authorization server about itself: a native public client that
/// uses the device code and refreshes its tokens. Its home page is the homeserver the operator
/// runs it for (servers want an https address there, and the operator's own is the honest one).
fn client_metadata(config: &Config) -> anyhow::Result<Raw<ClientMetadata>> {
    let client_uri = Url::parse(&config.homeserver)
        .with_context(|| format!("{} is not a URL", config.homeserver))?;
    let mut metadata = ClientMetadata::new(
        ApplicationType::Native,
        vec![OAuthGrantType::DeviceCode],
        Localized::new(client_uri, []),
    );
    metadata.client_name = Some(Localized::new(config.device_name.clone(), []));
    Raw::new(&metadata).context("cannot write the client metadata")
}

/// Asks the token endpoint every `interval` until the operator approved, refused, or the code
/// ran out. Network faults are retried until the code runs out.
async fn poll(
    http: &reqwest::Client,
    token_endpoint: &Url,
    client_id: &str,
    code: &DeviceCode,
) -> anyhow::Result<SessionTokens> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(code.expires_in);
    let mut interval = Duration::from_secs(code.interval.max(1));
    loop {
        tokio::time::sleep(interval).await;
        if tokio::time::Instant::now() >= deadline {
            anyhow::bail!(
                "the code was not approved within {} s; run login again for a new one",
                code.expires_in
            );
        }
        let form = [
            ("grant_type", DEVICE_CODE_GRANT),
            ("device_code", code.device_code.as_str()),
            ("client_id", client_id),
        ];
        let (_, body) = match post_form(http, token_endpoint.clone(), &form).await {
            Ok(answer) => answer,
            Err(e) => {
                tracing::warn!(error = %e, "token endpoint not reachable; retrying");
                continue;
            }
        };
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .context("the token endpoint's answer is not what RFC 8628 says")?;
        if let Some(access_token) = answer.access_token {
            return Ok(SessionTokens {
                access_token,
                refresh_token: answer.refresh_token,
            });
        }
        match answer.error.as_deref() {
            Some("authorization_pending") => {}
            Some("slow_down") => interval += SLOW_DOWN,
            Some("access_denied") => {
                anyhow::bail!(
                    "the login was refused at the authorization server; nothing was stored"
                )
            }
            Some("expired_token") => {
                anyhow::bail!(
                    "the code ran out before it was approved; run login again for a new one"
                )
            }
            other => anyhow::bail!(
                "the token endpoint refused the device code ({})",
                other.unwrap_or("no error code")
            ),
        }
    }
}

/// POSTs `form` urlencoded; returns the status and the body.
async fn post_form(
    http: &reqwest::Client,
    url: Url,
    form: &[(&str, &str)],
) -> anyhow::Result<(reqwest::StatusCode, Vec<u8>)> {
    let response = http
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(form_body(form))
        .send()
        .await
        .context("cannot reach the authorization server")?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .context("no answer from the authorization server")?;
    Ok((status, body.to_vec()))
}

/// `application/x-www-form-urlencoded` text of `form`.
fn form_body(form: &[(&str, &str)]) -> String {
    let mut url = Url::parse("form:").expect("a valid URL");
    url.query_pairs_mut().extend_pairs(form);
    url.query().unwrap_or_default().to_owned()
}

/// The `error` (OAuth) or `errcode` (Matrix) of an error body, never the rest of it.
fn error_code(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Error {
        error: Option<String>,
        errcode: Option<String>,
    }
    serde_json::from_slice::<Error>(body)
        .ok()
        .and_then(|e| e.error.or(e.errcode))
        .unwrap_or_else(|| "no error code".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_body_escapes_what_a_form_must() {
        assert_eq!(
            form_body(&[("scope", "urn:a:* urn:b"), ("x", "a&b=c")]),
            "scope=urn%3Aa%3A*+urn%3Ab&x=a%26b%3Dc"
        );
    }

    #[test]
    fn an_error_body_gives_its_code_only() {
        assert_eq!(
            error_code(br#"{"error":"invalid_client","error_description":"secret"}"#),
            "invalid_client"
        );
        assert_eq!(
            error_code(br#"{"errcode":"M_UNKNOWN_TOKEN"}"#),
            "M_UNKNOWN_TOKEN"
        );
        assert_eq!(error_code(b"<html>"), "no error code");
    }

    #[test]
    fn a_device_code_answer_without_an_interval_waits_five_seconds() {
        let code: DeviceCode = serde_json::from_str(
            r#"{"device_code":"d","user_code":"ABCD-EFGH","verification_uri":"https://a/device","expires_in":600}"#,
        )
        .unwrap();
        assert_eq!(code.interval, 5);
        assert_eq!(code.verification_uri_complete, None);
    }
}
