//! MongoDB targets through the official driver: `insert` (insert_many),
//! `update` (update_one / update_many, with upsert) and `remove`
//! (delete_one / delete_many) on `database.collection`. Each inserted
//! document carries the message's idempotency key in `wirewatch_key`.
//! Credentials are per database: a message uses the credential of its
//! database, else the first one given.

use crate::error::SinkError;
use mongodb::bson::{self, Bson, Document};
use mongodb::options::{ClientOptions, Credential, ServerAddress, Tls, TlsOptions};
use mongodb::Client;
use std::collections::HashMap;
use std::time::Duration;
use wirewatch_model::ods::{Message, MongoAction, MongoTarget};
use wirewatch_net::retry::Outcome;
use wirewatch_store::OutboxRow;

pub struct MongoSink {
    target: MongoTarget,
    instance: String,
    /// One client per credential (keyed by its database; "" without credentials).
    clients: HashMap<String, Client>,
}

fn doc(v: &serde_json::Value, what: &str) -> Result<Document, Outcome> {
    match bson::to_bson(v) {
        Ok(Bson::Document(d)) => Ok(d),
        Ok(_) => Err(Outcome::Refused(format!("{what} must be an object"))),
        Err(e) => Err(Outcome::Refused(format!("{what}: {e}"))),
    }
}

/// Connection trouble is retried; what the server refuses is not.
fn classify(e: mongodb::error::Error) -> Outcome {
    use mongodb::error::ErrorKind;
    let text = e.to_string();
    match *e.kind {
        ErrorKind::Write(_)
        | ErrorKind::InsertMany(_)
        | ErrorKind::BulkWrite(_)
        | ErrorKind::InvalidArgument { .. } => Outcome::Refused(text),
        _ => Outcome::Retry {
            error: text,
            after: None,
        },
    }
}

impl MongoSink {
    pub fn new(target: MongoTarget, instance: String) -> Result<MongoSink, SinkError> {
        Ok(MongoSink {
            target,
            instance,
            clients: HashMap::new(),
        })
    }

    fn options(&self, auth_db: &str) -> ClientOptions {
        let t = &self.target;
        let mut o = ClientOptions::default();
        o.hosts = vec![ServerAddress::Tcp {
            host: t.host.clone(),
            port: Some(t.port),
        }];
        o.direct_connection = Some(true);
        o.app_name = Some("wirewatch".into());
        o.connect_timeout = Some(Duration::from_secs(5));
        o.server_selection_timeout = Some(Duration::from_secs(5));
        if t.encrypt {
            let mut tls = TlsOptions::default();
            tls.allow_invalid_certificates = Some(t.skip_cert_verification);
            o.tls = Some(Tls::Enabled(tls));
        }
        if let Some(a) = t.authentication.iter().find(|a| a.database == auth_db) {
            let mut c = Credential::default();
            c.username = Some(a.user.clone());
            c.password = Some(a.password.clone());
            c.source = Some(a.database.clone());
            o.credential = Some(c);
        }
        o
    }

    fn client(&mut self, db: &str) -> Result<Client, Outcome> {
        let auth_db = if self.target.authentication.iter().any(|a| a.database == db) {
            db.to_string()
        } else {
            self.target
                .authentication
                .first()
                .map(|a| a.database.clone())
                .unwrap_or_default()
        };
        if let Some(c) = self.clients.get(&auth_db) {
            return Ok(c.clone());
        }
        let c = Client::with_options(self.options(&auth_db)).map_err(classify)?;
        self.clients.insert(auth_db, c.clone());
        Ok(c)
    }

    pub async fn health(&self) -> Result<String, SinkError> {
        let db = self
            .target
            .authentication
            .first()
            .map(|a| a.database.clone())
            .unwrap_or_else(|| "admin".into());
        let client = Client::with_options(self.options(&db))?;
        client
            .database(&db)
            .run_command(mongodb::bson::doc! {"ping": 1})
            .await?;
        Ok(format!(
            "ping answered by {}:{}",
            self.target.host, self.target.port
        ))
    }

    async fn one(&mut self, row: &OutboxRow) -> Outcome {
        let Message::Mongodb { collection, action } = &row.message else {
            return Outcome::Refused("not a MongoDB message".into());
        };
        let Some((db, coll)) = collection.split_once('.') else {
            return Outcome::Refused(format!(
                "collection {collection:?} is not database.collection"
            ));
        };
        let client = match self.client(db) {
            Ok(c) => c,
            Err(o) => return o,
        };
        let c = client.database(db).collection::<Document>(coll);
        let key = format!("wirewatch-{}-{}", self.instance, row.key_id);
        let r = match action {
            MongoAction::Insert { documents } => {
                let mut docs = Vec::with_capacity(documents.len());
                for d in documents {
                    match doc(d, "document") {
                        Ok(mut d) => {
                            d.insert("wirewatch_key", key.clone());
                            docs.push(d);
                        }
                        Err(o) => return o,
                    }
                }
                if docs.is_empty() {
                    return Outcome::Sent;
                }
                c.insert_many(docs).await.map(|_| ())
            }
            MongoAction::Update {
                selector,
                update,
                upsert,
                multi,
            } => {
                let (q, u) = match (doc(selector, "selector"), doc(update, "update")) {
                    (Ok(q), Ok(u)) => (q, u),
                    (Err(o), _) | (_, Err(o)) => return o,
                };
                if *multi {
                    c.update_many(q, u).upsert(*upsert).await.map(|_| ())
                } else {
                    c.update_one(q, u).upsert(*upsert).await.map(|_| ())
                }
            }
            MongoAction::Remove { selector, just_one } => {
                let q = match doc(selector, "selector") {
                    Ok(q) => q,
                    Err(o) => return o,
                };
                if *just_one {
                    c.delete_one(q).await.map(|_| ())
                } else {
                    c.delete_many(q).await.map(|_| ())
                }
            }
        };
        match r {
            Ok(()) => Outcome::Sent,
            Err(e) => classify(e),
        }
    }

    /// Messages in order; the first retryable failure holds the rest back.
    pub async fn send(&mut self, rows: &[OutboxRow]) -> Vec<Outcome> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let o = self.one(row).await;
            let stop = matches!(o, Outcome::Retry { .. });
            out.push(o.clone());
            if stop {
                while out.len() < rows.len() {
                    out.push(Outcome::Retry {
                        error: "not attempted: an earlier message failed".into(),
                        after: None,
                    });
                }
                break;
            }
        }
        out
    }
}
