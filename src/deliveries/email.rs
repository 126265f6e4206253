//! E-mail over SMTP with lettre (tokio, rustls). Without `SMTP_URL` there is no
//! transport: the worker then keeps rendered e-mails instead of sending them.

use std::time::{Duration, Instant};

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};

use super::templates::Rendered;
use crate::config::Config;

/// What one SMTP conversation gave.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub success: bool,
    /// The server's reply code (250 when accepted).
    pub status_code: Option<u16>,
    pub duration: Duration,
    pub response: Option<String>,
    pub error: Option<String>,
}

/// Sends e-mails, or knows it cannot.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    /// The mailer `config` describes; an error names the bad setting.
    pub fn new(config: &Config) -> Result<Mailer, String> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| format!("MAIL_FROM: {e}"))?;
        let transport = match &config.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    // The URL holds credentials: never echo it.
                    .map_err(|e| format!("SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(
                        config.smtp_timeout_seconds.max(1),
                    )))
                    .build(),
            ),
            None => None,
        };
        Ok(Mailer { transport, from })
    }

    /// Whether e-mails are sent (else they are kept).
    pub fn sends(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends `rendered` to `to`. `delivery_id` becomes the Message-ID (and an
    /// `X-Ordergraph-Delivery` header), the same on every attempt, so a
    /// receiver can drop the copies an at-least-once retry may make.
    pub async fn send(&self, delivery_id: i64, to: &str, rendered: &Rendered) -> Outcome {
        let started = Instant::now();
        let failed = |error: String| Outcome {
            success: false,
            status_code: None,
            duration: started.elapsed(),
            response: None,
            error: Some(error),
        };
        let Some(transport) = &self.transport else {
            return failed("no SMTP_URL".into());
        };
        let to: Mailbox = match to.parse() {
            Ok(to) => to,
            Err(e) => return failed(format!("the recipient {to:?} is not an address: {e}")),
        };
        let domain = self.from.email.domain().to_owned();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject.clone())
            .message_id(Some(format!("<delivery-{delivery_id}@{domain}>")))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Ordergraph-Delivery"),
                delivery_id.to_string(),
            ))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text_body.clone(),
                rendered.html_body.clone(),
            ));
        let message = match message {
            Ok(message) => message,
            Err(e) => return failed(format!("cannot build the e-mail: {e}")),
        };
        match transport.send(message).await {
            Ok(response) => Outcome {
                success: response.is_positive(),
                status_code: Some(u16::from(response.code())),
                duration: started.elapsed(),
                response: Some(response.message().collect::<Vec<_>>().join(" ")),
                error: None,
            },
            Err(e) => {
                let mut outcome = failed(e.to_string());
                outcome.status_code = e.status().map(u16::from);
                outcome
            }
        }
    }
}
