//! The ceiling's driver: the captured write transaction replayed as is, one
//! transaction per order, with fresh values where an order must differ.
//!
//! Which values those are is learnt, not listed: the same order input is
//! placed twice and both transactions captured. A value both captures share is
//! replayed unchanged. One that differs is per order, and gets:
//! - the id the replay's own `INSERT ... RETURNING` gave, when it is the
//!   order id of each capture (the server answered with those ids);
//! - the replay's current time, for timestamps;
//! - for text, each differing word (number, reference, and where they reappear
//!   as in the search text or the event's data) a fresh word, the same one
//!   everywhere in the order, so unique keys stay unique and copies agree.
//!
//! Anything else that differs is a value the replay would not know how to
//! renew: building the plan panics rather than replay a wrong transaction.
//! Comparing values instead of two captures would be fooled by coincidences
//! (an order id 1 next to a `generate_series(1, $1)` count of 1).

use std::collections::HashMap;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait, Value,
};
use serde_json::Value as Json;

/// Replayable statements, and what the capture dropped.
pub struct Plan {
    backend: DbBackend,
    steps: Vec<Step>,
    /// The step whose returned `id` is the new order's id.
    order_id_from: Option<usize>,
    /// Lock and NOTIFY statements left out (SQL only).
    pub dropped: Vec<String>,
    /// Tables the transaction inserts into, in order: what a reset empties.
    pub tables: Vec<String>,
}

struct Step {
    sql: String,
    slots: Vec<Slot>,
}

enum Slot {
    Same(Value),
    OrderId,
    Now(Value),
    Text(Vec<Word>),
    Json(JsonSlot),
}

enum Word {
    Same(String),
    Fresh(String),
}

enum JsonSlot {
    Same(Json),
    OrderId,
    Text(Vec<Word>),
    Array(Vec<JsonSlot>),
    Object(Vec<(String, JsonSlot)>),
}

/// Whether the ceiling leaves `sql` out: it runs with no lock and no NOTIFY.
pub fn is_lock_or_notify(sql: &str) -> bool {
    let sql = sql.trim_start().to_ascii_lowercase();
    sql.contains("pg_advisory") || sql.contains("pg_notify") || sql.starts_with("notify ")
}

fn inserted_table(sql: &str) -> Option<String> {
    let rest = sql.trim_start().strip_prefix("INSERT INTO ")?;
    let name = rest.split_whitespace().next()?;
    Some(name.trim_matches(|c| c == '"' || c == '`').to_owned())
}

impl Plan {
    /// The plan from two captures of the same order input; `ids` are the
    /// order ids the server returned for them.
    pub fn new(backend: DbBackend, a: &[Statement], b: &[Statement], ids: (i64, i64)) -> Plan {
        assert_eq!(
            a.len(),
            b.len(),
            "two equal orders ran a different number of statements"
        );
        let mut plan = Plan {
            backend,
            steps: Vec::new(),
            order_id_from: None,
            dropped: Vec::new(),
            tables: Vec::new(),
        };
        let mut last_returning = None;
        for (a, b) in a.iter().zip(b) {
            assert_eq!(a.sql, b.sql, "two equal orders ran different statements");
            if is_lock_or_notify(&a.sql) {
                plan.dropped.push(a.sql.clone());
                continue;
            }
            let values = |s: &Statement| s.values.as_ref().map_or_else(Vec::new, |v| v.0.clone());
            let (va, vb) = (values(a), values(b));
            assert_eq!(
                va.len(),
                vb.len(),
                "bound values differ in number: {}",
                a.sql
            );
            let slots: Vec<Slot> = va
                .into_iter()
                .zip(vb)
                .map(|(va, vb)| slot(va, vb, ids, &a.sql))
                .collect();
            if plan.order_id_from.is_none() && slots.iter().any(Slot::uses_order_id) {
                plan.order_id_from = Some(last_returning.unwrap_or_else(|| {
                    panic!(
                        "the order id is used before any INSERT ... RETURNING: {}",
                        a.sql
                    )
                }));
            }
            if a.sql.contains(" RETURNING ") {
                last_returning = Some(plan.steps.len());
            }
            if let Some(table) = inserted_table(&a.sql)
                && !plan.tables.contains(&table)
            {
                plan.tables.push(table);
            }
            plan.steps.push(Step {
                sql: a.sql.clone(),
                slots,
            });
        }
        plan
    }

    /// What the replay renews per order, counted by kind.
    pub fn renewed(&self) -> String {
        let (mut ids, mut times, mut texts, mut json) = (0, 0, 0, 0);
        let mut words = Vec::new();
        let mut note = |w: &[Word]| {
            for w in w {
                if let Word::Fresh(w) = w
                    && !words.contains(w)
                {
                    words.push(w.clone());
                }
            }
        };
        fn json_words(slot: &JsonSlot, note: &mut dyn FnMut(&[Word])) {
            match slot {
                JsonSlot::Text(w) => note(w),
                JsonSlot::Array(items) => items.iter().for_each(|s| json_words(s, note)),
                JsonSlot::Object(fields) => fields.iter().for_each(|(_, s)| json_words(s, note)),
                JsonSlot::Same(_) | JsonSlot::OrderId => {}
            }
        }
        for slot in self.steps.iter().flat_map(|s| &s.slots) {
            match slot {
                Slot::Same(_) => {}
                Slot::OrderId => ids += 1,
                Slot::Now(_) => times += 1,
                Slot::Text(w) => {
                    texts += 1;
                    note(w);
                }
                Slot::Json(slot) => {
                    json += 1;
                    json_words(slot, &mut note);
                }
            }
        }
        format!(
            "{ids} order id(s) from statement {}'s RETURNING, {times} timestamp(s), \
             {texts} text(s) and {json} JSON value(s) with {} fresh word(s)",
            self.order_id_from.map_or(0, |i| i + 1),
            words.len()
        )
    }

    /// Places order `k` by replaying the plan in one plain transaction on
    /// `db` (`BEGIN IMMEDIATE` on SQLite, as the server's writer opens its
    /// own, but without the server's queue and savepoints: the ceiling is
    /// what the database does with these statements alone). Returns its id
    /// and the fresh words it used for the captured ones. Panics naming the
    /// statement that failed.
    pub async fn replay(&self, db: &DatabaseConnection, k: u64) -> (i64, HashMap<String, String>) {
        let txn = db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
            .expect("begin");
        let mut fresh = Fresh {
            k,
            words: HashMap::new(),
        };
        let mut order_id = None;
        for (i, step) in self.steps.iter().enumerate() {
            let values: Vec<Value> = step
                .slots
                .iter()
                .map(|s| s.value(&mut fresh, order_id))
                .collect();
            let rows = txn
                .query_all_raw(Statement::from_sql_and_values(
                    self.backend,
                    &step.sql,
                    values,
                ))
                .await
                .unwrap_or_else(|e| {
                    panic!("replayed statement {} failed: {e}\n{}", i + 1, step.sql)
                });
            if self.order_id_from == Some(i) {
                let row = rows.first().unwrap_or_else(|| {
                    panic!(
                        "replayed statement {} returned no order id: {}",
                        i + 1,
                        step.sql
                    )
                });
                order_id = Some(row.try_get::<i64>("", "id").expect("returned id"));
            }
        }
        txn.commit().await.expect("commit");
        (order_id.unwrap_or_default(), fresh.words)
    }
}

/// Empties `tables` (children last in `tables`, so emptied first) and
/// checkpoints, so each timed run starts on the same table and from the
/// same state of the write-ahead log and the buffers, whatever the run
/// before it wrote.
///
/// Without the checkpoint the rounds of one PostgreSQL run spread more than
/// the goal's margin: rounds of 55-73 % and 58-72 % (medians 65 %, 62 %) in
/// two runs of this bench, against 65-74 % and 66-73 % (medians 70 %, 68 %)
/// with it, same build, same hour (`BENCH_ROUNDS=5`). It does not remove
/// the machine's own drift: a later run with it, in an hour when every path
/// ran slower, spread 55-71 % (median 65 %).
pub async fn reset(db: &DatabaseConnection, tables: &[String]) {
    if tables.is_empty() {
        return;
    }
    if db.get_database_backend() == DbBackend::Postgres {
        let list: Vec<String> = tables.iter().map(|t| format!("\"{t}\"")).collect();
        db.execute_unprepared(&format!("TRUNCATE {} CASCADE", list.join(", ")))
            .await
            .expect("truncate");
        // Needs a superuser or pg_checkpoint; without, the runs are only noisier.
        if let Err(err) = db.execute_unprepared("CHECKPOINT").await {
            eprintln!("no checkpoint before the run ({err}): its rounds will spread more");
        }
    } else {
        for table in tables.iter().rev() {
            db.execute_unprepared(&format!("DELETE FROM \"{table}\""))
                .await
                .expect("delete");
        }
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .expect("checkpoint");
    }
}

struct Fresh {
    k: u64,
    words: HashMap<String, String>,
}

impl Fresh {
    /// The replacement of captured word `word` in this order: the captured
    /// word (so it reads and indexes like the server's) and the order's
    /// counter after `-x`, which no server-made number contains.
    fn word(&mut self, word: &str) -> String {
        let k = self.k;
        self.words
            .entry(word.to_owned())
            .or_insert_with(|| format!("{word}-x{k}"))
            .clone()
    }

    fn text(&mut self, words: &[Word]) -> String {
        let words: Vec<String> = words
            .iter()
            .map(|w| match w {
                Word::Same(w) => w.clone(),
                Word::Fresh(w) => self.word(w),
            })
            .collect();
        words.join(" ")
    }
}

impl Slot {
    fn uses_order_id(&self) -> bool {
        fn json(slot: &JsonSlot) -> bool {
            match slot {
                JsonSlot::OrderId => true,
                JsonSlot::Array(items) => items.iter().any(json),
                JsonSlot::Object(fields) => fields.iter().any(|(_, s)| json(s)),
                JsonSlot::Same(_) | JsonSlot::Text(_) => false,
            }
        }
        match self {
            Slot::OrderId => true,
            Slot::Json(slot) => json(slot),
            _ => false,
        }
    }

    fn value(&self, fresh: &mut Fresh, order_id: Option<i64>) -> Value {
        let order_id = || order_id.expect("order id known by now (the plan checks)");
        match self {
            Slot::Same(v) => v.clone(),
            Slot::OrderId => Value::BigInt(Some(order_id())),
            Slot::Now(captured) => {
                let now = ordergraph::db::now();
                match captured {
                    Value::ChronoDateTimeUtc(_) => Value::ChronoDateTimeUtc(Some(now)),
                    Value::ChronoDateTimeWithTimeZone(_) => {
                        Value::ChronoDateTimeWithTimeZone(Some(now.fixed_offset()))
                    }
                    _ => Value::ChronoDateTime(Some(now.naive_utc())),
                }
            }
            Slot::Text(words) => Value::String(Some(fresh.text(words))),
            Slot::Json(slot) => {
                fn build(slot: &JsonSlot, fresh: &mut Fresh, id: &dyn Fn() -> i64) -> Json {
                    match slot {
                        JsonSlot::Same(v) => v.clone(),
                        JsonSlot::OrderId => Json::from(id()),
                        JsonSlot::Text(words) => Json::String(fresh.text(words)),
                        JsonSlot::Array(items) => {
                            Json::Array(items.iter().map(|s| build(s, fresh, id)).collect())
                        }
                        JsonSlot::Object(fields) => Json::Object(
                            fields
                                .iter()
                                .map(|(k, s)| (k.clone(), build(s, fresh, id)))
                                .collect(),
                        ),
                    }
                }
                Value::Json(Some(Box::new(build(slot, fresh, &order_id))))
            }
        }
    }
}

fn slot(a: Value, b: Value, (id_a, id_b): (i64, i64), sql: &str) -> Slot {
    if a == b {
        return Slot::Same(a);
    }
    match (&a, &b) {
        (Value::BigInt(Some(x)), Value::BigInt(Some(y))) if (*x, *y) == (id_a, id_b) => {
            Slot::OrderId
        }
        (Value::ChronoDateTimeUtc(Some(_)), Value::ChronoDateTimeUtc(Some(_)))
        | (Value::ChronoDateTime(Some(_)), Value::ChronoDateTime(Some(_)))
        | (
            Value::ChronoDateTimeWithTimeZone(Some(_)),
            Value::ChronoDateTimeWithTimeZone(Some(_)),
        ) => Slot::Now(a),
        (Value::String(Some(x)), Value::String(Some(y))) => Slot::Text(words(x, y, sql)),
        (Value::Json(Some(x)), Value::Json(Some(y))) => {
            Slot::Json(json_slot(x, y, (id_a, id_b), sql))
        }
        _ => panic!(
            "a value differs between two equal orders and is neither the order id, a time \
             nor text, so the replay cannot renew it (types {} / {}): {sql}",
            type_name(&a),
            type_name(&b)
        ),
    }
}

fn json_slot(a: &Json, b: &Json, ids: (i64, i64), sql: &str) -> JsonSlot {
    if a == b {
        return JsonSlot::Same(a.clone());
    }
    match (a, b) {
        (Json::String(x), Json::String(y)) => JsonSlot::Text(words(x, y, sql)),
        (Json::Number(x), Json::Number(y))
            if (x.as_i64(), y.as_i64()) == (Some(ids.0), Some(ids.1)) =>
        {
            JsonSlot::OrderId
        }
        (Json::Array(x), Json::Array(y)) if x.len() == y.len() => JsonSlot::Array(
            x.iter()
                .zip(y)
                .map(|(x, y)| json_slot(x, y, ids, sql))
                .collect(),
        ),
        (Json::Object(x), Json::Object(y)) if x.keys().eq(y.keys()) => JsonSlot::Object(
            x.iter()
                .zip(y.values())
                .map(|((k, x), y)| (k.clone(), json_slot(x, y, ids, sql)))
                .collect(),
        ),
        _ => panic!(
            "a JSON value differs between two equal orders in a way the replay cannot renew: {sql}"
        ),
    }
}

fn words(a: &str, b: &str, sql: &str) -> Vec<Word> {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
    assert_eq!(
        a.len(),
        b.len(),
        "a text differs between two equal orders in its number of words: {sql}"
    );
    a.iter()
        .zip(&b)
        .map(|(x, y)| {
            if x == y {
                Word::Same((*x).to_owned())
            } else {
                Word::Fresh((*x).to_owned())
            }
        })
        .collect()
}

/// The variant's name, without the value (values may be personal data).
fn type_name(v: &Value) -> String {
    let debug = format!("{v:?}");
    debug.split('(').next().unwrap_or_default().to_owned()
}
