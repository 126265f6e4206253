//! Webhooks: Standard Webhooks signatures, the endpoint URL rules, and the HTTP
//! client that posts them.
//!
//! Signing (Standard Webhooks v1): the secret is `whsec_` + base64 of random
//! bytes; the signature is `v1,` + base64 of HMAC-SHA256, keyed with the
//! decoded secret, over `{webhook-id}.{webhook-timestamp}.{body}`. Every
//! attempt is signed afresh with the current time under the same id.
//!
//! SSRF: unless `WEBHOOK_ALLOW_PRIVATE`, an endpoint may not be a loopback,
//! private, link-local (cloud metadata), unspecified, shared or multicast
//! address. The check is made on the addresses actually connected to: the
//! client resolves names through [`GuardedResolver`], which drops forbidden
//! addresses, so a name that changes between registration and delivery still
//! cannot reach them; literal addresses are checked before connecting; and no
//! redirect is ever followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sha2::Sha256;

/// Prefix of webhook signing secrets (Standard Webhooks).
pub const SECRET_PREFIX: &str = "whsec_";
/// How much of an endpoint's answer is kept with an attempt.
const RESPONSE_EXCERPT: usize = 512;

/// A new signing secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The `webhook-signature` header value for one attempt.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &[u8]) -> Result<String, String> {
    let key = STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .map_err(|e| format!("the endpoint's secret is not base64: {e}"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(message_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Whether connecting to `ip` is refused unless private addresses are allowed.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden_v4(v4),
            None => forbidden_v6(v6),
        },
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254.0.0/16: cloud metadata lives here
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || a >= 240
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local, fd00:ec2::254 metadata included
        || (first & 0xffc0) == 0xfe80 // link-local
}

/// Checks an endpoint URL: http(s), a host, no credentials, and (unless
/// `allow_private`) no literal forbidden address. Names are checked where
/// they are resolved, by [`GuardedResolver`] and [`check_resolves`].
pub fn check_url(raw: &str, allow_private: bool) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(raw.trim()).map_err(|e| format!("is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http:// or https:// URL".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials; the signature authenticates us".into());
    }
    let Some(host) = url.host() else {
        return Err("has no host".into());
    };
    if !allow_private {
        let literal = match host {
            url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            url::Host::Domain(name) if name.eq_ignore_ascii_case("localhost") => {
                Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
            }
            url::Host::Domain(_) => None,
        };
        if literal.is_some_and(is_forbidden) {
            return Err(private_refusal());
        }
    }
    Ok(url)
}

fn private_refusal() -> String {
    "points to a loopback, private, link-local or metadata address, which webhooks may not reach (WEBHOOK_ALLOW_PRIVATE=true allows it)".into()
}

/// Resolves the URL's host now and refuses it when every address is forbidden
/// (registration time; delivery checks again on the address it connects to).
pub async fn check_resolves(url: &reqwest::Url, allow_private: bool) -> Result<(), String> {
    let (Some(url::Host::Domain(name)), false) = (url.host(), allow_private) else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(443);
    match tokio::net::lookup_host((name, port)).await {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if !addrs.is_empty() && addrs.iter().all(|a| is_forbidden(a.ip())) {
                Err(private_refusal())
            } else {
                Ok(())
            }
        }
        // A name that does not resolve yet may later; delivery will tell.
        Err(_) => Ok(()),
    }
}

/// A DNS resolver that drops forbidden addresses, so the client can only
/// connect to allowed ones whatever the name resolves to at that moment.
struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| !is_forbidden(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} {}", private_refusal()).into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// What one POST to an endpoint gave.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// 2xx.
    pub success: bool,
    pub status_code: Option<u16>,
    pub duration: Duration,
    /// The first bytes of the answer.
    pub response: Option<String>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// Posts signed webhooks.
#[derive(Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    allow_private: bool,
}

impl WebhookClient {
    /// A client with `timeout` per request.
    pub fn new(timeout: Duration, allow_private: bool) -> Result<Self, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ordergraph-webhooks/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(GuardedResolver));
        }
        Ok(WebhookClient {
            http: builder.build()?,
            allow_private,
        })
    }

    /// Posts `body` to `url`, signed with `secret` under `message_id`.
    pub async fn post(&self, url: &str, secret: &str, message_id: &str, body: &[u8]) -> Outcome {
        let started = Instant::now();
        let failed = |error: String| Outcome {
            success: false,
            status_code: None,
            duration: started.elapsed(),
            response: None,
            error: Some(error),
        };
        let url = match check_url(url, self.allow_private) {
            Ok(url) => url,
            Err(reason) => return failed(format!("the endpoint URL {reason}")),
        };
        let timestamp = chrono::Utc::now().timestamp();
        let signature = match sign(secret, message_id, timestamp, body) {
            Ok(signature) => signature,
            Err(reason) => return failed(reason),
        };
        let sent = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_vec())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(err) => return failed(describe(&err)),
        };
        let status = response.status();
        let text = match response.bytes().await {
            Ok(bytes) => {
                let end = bytes.len().min(RESPONSE_EXCERPT);
                Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
            }
            Err(err) => Some(format!("(answer cut off: {})", describe(&err))),
        };
        Outcome {
            success: status.is_success(),
            status_code: Some(status.as_u16()),
            duration: started.elapsed(),
            error: (!status.is_success()).then(|| format!("the endpoint answered {status}")),
            response: text,
        }
    }
}

fn describe(err: &reqwest::Error) -> String {
    let mut message = if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_webhooks_test_vector_signs_alike() {
        // From the Standard Webhooks specification's reference tests.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_prefixed_base64_of_32_bytes() {
        let secret = new_secret();
        let key = STANDARD
            .decode(secret.strip_prefix(SECRET_PREFIX).unwrap())
            .unwrap();
        assert_eq!(key.len(), 32);
    }

    #[test]
    fn private_and_metadata_addresses_are_forbidden_and_public_ones_are_not() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "8.8.8.8",
        ] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_for_scheme_credentials_and_literal_private_hosts() {
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        assert!(check_url("ftp://hooks.example.com/x", false).is_err());
        assert!(check_url("https://u:p@hooks.example.com/x", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/hook", false).is_err());
        assert!(check_url("http://localhost:9000/hook", false).is_err());
        assert!(check_url("http://[::1]:9000/hook", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
    }
}
