//! E-mail templates: the built-in default of each kind, the admin's stored
//! version, and rendering with minijinja.
//!
//! HTML parts are auto-escaped, set explicitly: minijinja decides escaping by
//! file extension, and a template stored in the database has none. Undefined
//! variables are errors (strict mode), so a template with a typo is refused when
//! it is saved, not discovered in a customer's inbox. Every context has the same
//! keys (`order`, `event`, `message`, the last one null unless a message was
//! added), so one template can serve every kind.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value as Json, json};

use super::kinds::TemplateKind;
use crate::entities::email_template;
use crate::error::AppResult;

/// A template's three parts, as stored or built in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
}

/// A rendered e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
}

/// Why a template does not render: the part (as its input field is named) and
/// minijinja's explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderError {
    pub field: &'static str,
    pub message: String,
}

const HTML_FOOT: &str = "<p style=\"color:#666\">Order {{ order.number }} &middot; {{ order.totals.grossTotal }} {{ order.currency }}</p>";

/// The built-in template of `kind`.
pub fn default_template(kind: TemplateKind) -> Template {
    let (subject, text, html) = match kind {
        TemplateKind::OrderConfirmation => (
            "We received your order {{ order.number }}",
            "Hello {{ order.customerName or 'there' }},\n\nthank you for your order {{ order.number }}.\n\n{% for line in order.lines %}{{ line.quantity }} x {{ line.name }}: {{ line.totalAfterVat }} {{ order.currency }}\n{% endfor %}\nTotal: {{ order.totals.grossTotal }} {{ order.currency }}\n",
            "<p>Hello {{ order.customerName or 'there' }},</p>\n<p>thank you for your order {{ order.number }}.</p>\n<ul>{% for line in order.lines %}<li>{{ line.quantity }} &times; {{ line.name }}: {{ line.totalAfterVat }} {{ order.currency }}</li>{% endfor %}</ul>\n<p><strong>Total: {{ order.totals.grossTotal }} {{ order.currency }}</strong></p>",
        ),
        TemplateKind::StatusChanged => (
            "Your order {{ order.number }} is now {{ order.statusLabel | lower }}",
            "Hello {{ order.customerName or 'there' }},\n\nyour order {{ order.number }} is now {{ order.statusLabel | lower }}.{% if event.note %}\n\n{{ event.note }}{% endif %}\n",
            "<p>Hello {{ order.customerName or 'there' }},</p>\n<p>your order {{ order.number }} is now <strong>{{ order.statusLabel | lower }}</strong>.</p>{% if event.note %}\n<p>{{ event.note }}</p>{% endif %}",
        ),
        TemplateKind::TrackingAdded => (
            "Your order {{ order.number }} is on its way",
            "Hello {{ order.customerName or 'there' }},\n\nyour order {{ order.number }} has been handed to the carrier{% if order.tracking.shippingOption %} ({{ order.tracking.shippingOption }}){% endif %}.\nTracking code: {{ order.tracking.code }}{% if order.tracking.url %}\nFollow it: {{ order.tracking.url }}{% endif %}\n",
            "<p>Hello {{ order.customerName or 'there' }},</p>\n<p>your order {{ order.number }} has been handed to the carrier{% if order.tracking.shippingOption %} ({{ order.tracking.shippingOption }}){% endif %}.</p>\n<p>Tracking code: <strong>{{ order.tracking.code }}</strong>{% if order.tracking.url %} &middot; <a href=\"{{ order.tracking.url }}\">follow it</a>{% endif %}</p>",
        ),
        TemplateKind::MessageAdded => (
            "A message about your order {{ order.number }}",
            "Hello {{ order.customerName or 'there' }},\n\n{{ message.fromUser }} wrote about your order {{ order.number }}:\n\n{{ message.text }}\n",
            "<p>Hello {{ order.customerName or 'there' }},</p>\n<p>{{ message.fromUser }} wrote about your order {{ order.number }}:</p>\n<blockquote>{{ message.text }}</blockquote>",
        ),
        TemplateKind::FulfillmentUpdate => (
            "{% set f = event.data.fulfillment %}{% if event.data.wholeOrder %}Your order{% else %}Part of your order{% endif %} {{ order.number }} {% if f.status == 'DELIVERED' %}was delivered{% elif f.status == 'PENDING' %}is being prepared{% else %}is on its way{% endif %}",
            "{% set f = event.data.fulfillment %}Hello {{ order.customerName or 'there' }},\n\n{% if event.data.wholeOrder %}your order{% else %}part of your order{% endif %} {{ order.number }} {% if f.status == 'DELIVERED' %}was delivered{% elif f.status == 'PENDING' %}is being prepared for shipping{% else %}has been handed to the carrier{% if f.carrier %} ({{ f.carrier }}){% endif %}{% endif %}:\n\n{% for line in f.lines %}{{ line.quantity }} x {{ line.name }}\n{% endfor %}{% for t in f.tracking %}\nTracking code: {{ t.code }}{% if t.url %}\nFollow it: {{ t.url }}{% endif %}{% endfor %}\n",
            "{% set f = event.data.fulfillment %}<p>Hello {{ order.customerName or 'there' }},</p>\n<p>{% if event.data.wholeOrder %}your order{% else %}part of your order{% endif %} {{ order.number }} {% if f.status == 'DELIVERED' %}was delivered{% elif f.status == 'PENDING' %}is being prepared for shipping{% else %}has been handed to the carrier{% if f.carrier %} ({{ f.carrier }}){% endif %}{% endif %}:</p>\n<ul>{% for line in f.lines %}<li>{{ line.quantity }} &times; {{ line.name }}</li>{% endfor %}</ul>{% for t in f.tracking %}\n<p>Tracking code: <strong>{{ t.code }}</strong>{% if t.url %} &middot; <a href=\"{{ t.url }}\">follow it</a>{% endif %}</p>{% endfor %}",
        ),
        TemplateKind::RefundCreated => (
            "We refunded {{ event.data.amount }} {{ order.currency }} for your order {{ order.number }}",
            "Hello {{ order.customerName or 'there' }},\n\nwe refunded {{ event.data.amount }} {{ order.currency }} for your order {{ order.number }}.{% if event.note %}\n\n{{ event.note }}{% endif %}\n\nRefunded in all: {{ order.totals.refundedAmount }} {{ order.currency }}\n",
            "<p>Hello {{ order.customerName or 'there' }},</p>\n<p>we refunded <strong>{{ event.data.amount }} {{ order.currency }}</strong> for your order {{ order.number }}.</p>{% if event.note %}\n<p>{{ event.note }}</p>{% endif %}\n<p>Refunded in all: {{ order.totals.refundedAmount }} {{ order.currency }}</p>",
        ),
        TemplateKind::ReviewRequest => (
            "How was your order {{ order.number }}?",
            "Hello {{ order.customerName or 'there' }},\n\nyou received order {{ order.number }} a few days ago. We would love to hear what you think of it: just reply to this e-mail.\n",
            "<p>Hello {{ order.customerName or 'there' }},</p>\n<p>you received order {{ order.number }} a few days ago. We would love to hear what you think of it: just reply to this e-mail.</p>",
        ),
    };
    Template {
        subject: subject.to_owned(),
        text_body: text.to_owned(),
        html_body: format!("{html}\n{HTML_FOOT}"),
    }
}

/// The template of `kind` in use: the stored one, else the default; and
/// whether it is the default.
pub async fn current<C: ConnectionTrait>(
    conn: &C,
    kind: TemplateKind,
) -> AppResult<(Template, bool)> {
    Ok(
        match email_template::Entity::find_by_id(kind).one(conn).await? {
            Some(row) => (
                Template {
                    subject: row.subject,
                    text_body: row.text_body,
                    html_body: row.html_body,
                },
                false,
            ),
            None => (default_template(kind), true),
        },
    )
}

fn environment(escape: AutoEscape) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(move |_| escape);
    env
}

/// Renders `template` with `context`.
pub fn render(template: &Template, context: &Json) -> Result<Rendered, RenderError> {
    let text = environment(AutoEscape::None);
    let html = environment(AutoEscape::Html);
    let part = |env: &Environment<'_>, field: &'static str, source: &str| {
        env.render_str(source, context).map_err(|err| RenderError {
            field,
            message: describe(&err),
        })
    };
    let subject = part(&text, "subject", &template.subject)?;
    Ok(Rendered {
        // A header is one line, whatever the template made of it.
        subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
        text_body: part(&text, "textBody", &template.text_body)?,
        html_body: part(&html, "htmlBody", &template.html_body)?,
    })
}

fn describe(err: &minijinja::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// A context with every key a real one has, for checking a template before it
/// is saved.
pub fn sample_context() -> Json {
    json!({
        "order": {
            "id": "T3JkZXI6MQ==", "databaseId": "1", "number": "100001", "source": "api",
            "externalId": "1001", "reference": "PO-1", "status": "SHIPPED", "statusLabel": "Shipped",
            "paymentStatus": "PAID", "paymentMethod": "iDEAL", "currency": "EUR", "test": false,
            "customerEmail": "ann@example.com", "customerName": "Ann Example", "notes": null,
            "integrationRef": null, "metadata": null, "version": 3,
            "totals": {"totalQuantity": "2.00", "productsBeforeDiscount": "19.00", "discountPercentage": "0.00",
                "discountTotal": "0.00", "totalBeforeVat": "19.00", "totalVat": "1.3775",
                "shippingCosts": "0.00", "grossTotal": "20.3775", "paidAmount": "20.3775",
                "refundedAmount": "10.1888", "authorizedAmount": "0.00", "currentTotal": "10.1887",
                "outstandingAmount": "0.00"},
            "financialStatus": "PARTIALLY_REFUNDED",
            "tracking": {"code": "3SABC123", "url": "https://track.example/3SABC123", "shippingOption": "PostNL"},
            "lines": [{"id": "T3JkZXJMaW5lOjE=", "databaseId": "1", "position": 0, "productCode": "CFB",
                "name": "Coffee Beans", "sku": null, "quantity": "2.00", "price": "9.50", "finalPrice": "9.50",
                "vatPercentage": "7.25", "totalBeforeVat": "19.00", "totalVat": "1.3775", "totalAfterVat": "20.3775"}],
            "submittedAt": "2026-11-29T10:00:00+00:00", "createdAt": "2026-11-29T10:00:00+00:00",
            "updatedAt": "2026-11-29T10:00:00+00:00"
        },
        "event": {"id": "T3JkZXJFdmVudDox", "databaseId": "1", "kind": "STATUS_CHANGED",
            "fromStatus": "CONFIRMED", "toStatus": "SHIPPED", "actor": "staff", "note": "On its way",
            "notify": true, "createdAt": "2026-11-29T10:00:00+00:00",
            "data": {"fulfillment": {"id": "RnVsZmlsbG1lbnQ6MQ==", "databaseId": "1", "status": "SHIPPED",
                "carrier": "PostNL", "tracking": [{"code": "3SABC123", "url": "https://track.example/3SABC123"}],
                "lines": [{"lineId": "T3JkZXJMaW5lOjE=", "name": "Coffee Beans", "sku": null, "quantity": "1.00"}],
                "createdAt": "2026-11-29T10:00:00+00:00", "shippedAt": "2026-11-29T10:00:00+00:00",
                "deliveredAt": null, "cancelledAt": null},
                "fulfillmentStatus": "PARTIALLY_FULFILLED", "wholeOrder": false,
                "refundId": "1", "amount": "10.1888", "currency": "EUR"}},
        "message": {"fromUser": "shop@example.com", "text": "Your parcel left today."}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_renders_with_the_sample() {
        for kind in TemplateKind::ALL {
            let rendered = render(&default_template(kind), &sample_context())
                .unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
            assert!(rendered.subject.contains("100001"), "{kind:?}");
            assert!(!rendered.subject.contains('\n'));
            assert!(rendered.text_body.contains("100001"));
        }
    }

    #[test]
    fn the_fulfillment_update_says_what_ships_and_where_to_follow_it() {
        let mut context = sample_context();
        let template = default_template(TemplateKind::FulfillmentUpdate);
        let rendered = render(&template, &context).unwrap();
        assert_eq!(rendered.subject, "Part of your order 100001 is on its way");
        assert!(rendered.text_body.contains("(PostNL)"));
        assert!(rendered.text_body.contains("1.00 x Coffee Beans"));
        assert!(
            rendered
                .text_body
                .contains("Follow it: https://track.example/3SABC123")
        );
        context["event"]["data"]["fulfillment"]["status"] = json!("DELIVERED");
        context["event"]["data"]["wholeOrder"] = json!(true);
        let rendered = render(&template, &context).unwrap();
        assert_eq!(rendered.subject, "Your order 100001 was delivered");
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let template = Template {
            subject: "{{ message.text }}".into(),
            text_body: "{{ message.text }}".into(),
            html_body: "<p>{{ message.text }}</p>".into(),
        };
        let mut context = sample_context();
        context["message"]["text"] = json!("<script>alert(1)</script> & co");
        let rendered = render(&template, &context).unwrap();
        assert_eq!(rendered.text_body, "<script>alert(1)</script> & co");
        assert_eq!(
            rendered.html_body,
            "<p>&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; co</p>"
        );
    }

    #[test]
    fn an_unknown_variable_or_bad_syntax_names_the_part() {
        let mut template = default_template(TemplateKind::StatusChanged);
        template.text_body = "{{ order.nmber }}".into();
        let err = render(&template, &sample_context()).unwrap_err();
        assert_eq!(err.field, "textBody");
        template.text_body = "ok".into();
        template.html_body = "{% if %}".into();
        assert_eq!(
            render(&template, &sample_context()).unwrap_err().field,
            "htmlBody"
        );
    }
}
