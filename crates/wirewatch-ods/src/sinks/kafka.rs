//! Kafka targets through `rskafka` (pure Rust): records produced in batches
//! per topic partition, with the target's compression, partition strategy,
//! TLS and SASL/SCRAM. The record key is the trigger's key or, without one,
//! the message's idempotency key; the idempotency key is also sent as the
//! `wirewatch-idempotency-key` record header.
//!
//! Topics are not created by the sensor: a message for a topic the cluster
//! does not have waits (retried, visible in the target's statistics) until
//! the topic exists.

use crate::error::SinkError;
use futures_util::future::join_all;
use rand::Rng;
use rskafka::client::partition::{Compression, PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder, Credentials, SaslConfig};
use rskafka::record::Record;
use rskafka::BackoffConfig;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wirewatch_model::ods::{
    KafkaCompression, KafkaTarget, Message, PartitionStrategy, ScramAlgorithm, TcpOrTls,
};
use wirewatch_net::retry::Outcome;
use wirewatch_net::tls::{client_config, TlsOptions};
use wirewatch_store::OutboxRow;

/// How long the partition map of a topic is trusted.
const METADATA_TTL: Duration = Duration::from_secs(60);

pub struct KafkaSink {
    target: KafkaTarget,
    instance: String,
    client: Option<Arc<Client>>,
    partitions: HashMap<String, (Vec<i32>, Instant)>,
    producers: HashMap<(String, i32), Arc<PartitionClient>>,
    next: usize,
}

/// The partitioner of the Java client (murmur2, positive, modulo): keys land
/// where other producers of the same topic put them.
pub fn murmur2(data: &[u8]) -> i32 {
    const M: u32 = 0x5bd1_e995;
    const SEED: u32 = 0x9747_b28c;
    let len = data.len();
    let mut h: u32 = SEED ^ (len as u32);
    let chunks = data.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> 24;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    if rest.len() >= 3 {
        h ^= u32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= u32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h ^= u32::from(rest[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

fn retry(error: impl std::fmt::Display) -> Outcome {
    Outcome::Retry {
        error: error.to_string(),
        after: None,
    }
}

impl KafkaSink {
    pub fn new(target: KafkaTarget, instance: String) -> Result<KafkaSink, SinkError> {
        Ok(KafkaSink {
            target,
            instance,
            client: None,
            partitions: HashMap::new(),
            producers: HashMap::new(),
            next: 0,
        })
    }

    async fn connect(target: &KafkaTarget) -> Result<Client, SinkError> {
        let brokers: Vec<String> = target
            .brokers
            .iter()
            .map(|b| format!("{}:{}", b.host, b.port))
            .collect();
        let mut b = ClientBuilder::new(brokers)
            .client_id("wirewatch")
            .backoff_config(BackoffConfig {
                init_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_secs(1),
                base: 2.0,
                // Our own retry policy takes over after this.
                deadline: Some(Duration::from_secs(5)),
            });
        if target.protocol == TcpOrTls::Tls {
            b = b.tls_config(client_config(
                &TlsOptions {
                    skip_verification: target.skip_cert_verification,
                    ca_pem: target.tls_ca_certs.clone(),
                    client_cert_pem: target.tls_client_cert.clone(),
                    client_key_pem: target.tls_client_key.clone(),
                },
                false,
            )?);
        }
        if let Some(a) = &target.authentication {
            let c = Credentials::new(a.username.clone(), a.password.clone());
            b = b.sasl_config(match a.algorithm {
                ScramAlgorithm::Sha256 => SaslConfig::ScramSha256(c),
                ScramAlgorithm::Sha512 => SaslConfig::ScramSha512(c),
            });
        }
        b.build().await.map_err(SinkError::Brokers)
    }

    async fn client(&mut self) -> Result<Arc<Client>, SinkError> {
        if let Some(c) = &self.client {
            return Ok(c.clone());
        }
        let c = Arc::new(Self::connect(&self.target).await?);
        self.client = Some(c.clone());
        Ok(c)
    }

    fn reset(&mut self) {
        self.client = None;
        self.partitions.clear();
        self.producers.clear();
    }

    pub async fn health(&self) -> Result<String, SinkError> {
        let c = Self::connect(&self.target).await?;
        let topics = c.list_topics().await.map_err(SinkError::Kafka)?;
        Ok(format!(
            "connected; the cluster lists {} topic(s)",
            topics.len()
        ))
    }

    async fn partitions_of(&mut self, topic: &str) -> Result<Vec<i32>, Outcome> {
        if let Some((p, at)) = self.partitions.get(topic) {
            if at.elapsed() < METADATA_TTL {
                return Ok(p.clone());
            }
        }
        let c = self.client().await.map_err(retry)?;
        let topics = c
            .list_topics()
            .await
            .map_err(|e| retry(format!("reading the cluster's topics: {e}")))?;
        let Some(t) = topics.into_iter().find(|t| t.name == topic) else {
            return Err(retry(format!(
                "topic {topic:?} does not exist on the cluster (create it; messages wait)"
            )));
        };
        let p: Vec<i32> = t.partitions.into_iter().collect();
        if p.is_empty() {
            return Err(retry(format!("topic {topic:?} has no partitions")));
        }
        self.partitions
            .insert(topic.to_string(), (p.clone(), Instant::now()));
        Ok(p)
    }

    fn choose(
        &mut self,
        parts: &[i32],
        key: Option<&[u8]>,
        asked: Option<i32>,
    ) -> Result<i32, Outcome> {
        let n = parts.len();
        match self.target.partition_strategy {
            PartitionStrategy::Manual => match asked {
                Some(p) if parts.contains(&p) => Ok(p),
                Some(p) => Err(Outcome::Refused(format!("partition {p} does not exist"))),
                None => Err(Outcome::Refused(
                    "partition_strategy is manual: Remote.Kafka.send must name a partition".into(),
                )),
            },
            PartitionStrategy::Random => Ok(parts[rand::thread_rng().gen_range(0..n)]),
            PartitionStrategy::HashKey if key.is_some() => {
                let h = murmur2(key.unwrap_or_default()) & 0x7fff_ffff;
                Ok(parts[h as usize % n])
            }
            PartitionStrategy::HashKey | PartitionStrategy::RoundRobin => {
                self.next = self.next.wrapping_add(1);
                Ok(parts[self.next % n])
            }
        }
    }

    async fn producer(&mut self, topic: &str, p: i32) -> Result<Arc<PartitionClient>, Outcome> {
        if let Some(pc) = self.producers.get(&(topic.to_string(), p)) {
            return Ok(pc.clone());
        }
        let c = self.client().await.map_err(retry)?;
        let pc = Arc::new(
            c.partition_client(topic, p, UnknownTopicHandling::Error)
                .await
                .map_err(|e| retry(format!("partition {p} of {topic:?}: {e}")))?,
        );
        self.producers.insert((topic.to_string(), p), pc.clone());
        Ok(pc)
    }

    pub async fn send(&mut self, rows: &[OutboxRow]) -> Vec<Outcome> {
        let mut out: Vec<Option<Outcome>> = vec![None; rows.len()];
        // (topic, partition) -> (row indexes, records)
        let mut groups: BTreeMap<(String, i32), (Vec<usize>, Vec<Record>)> = BTreeMap::new();
        for (i, row) in rows.iter().enumerate() {
            let Message::Kafka {
                topic,
                key,
                partition,
                values,
            } = &row.message
            else {
                out[i] = Some(Outcome::Refused("not a Kafka message".into()));
                continue;
            };
            let parts = match self.partitions_of(topic).await {
                Ok(p) => p,
                Err(o) => {
                    out[i] = Some(o);
                    continue;
                }
            };
            let idem = format!("wirewatch-{}-{}", self.instance, row.key_id);
            let key_bytes = key.clone().unwrap_or_else(|| idem.clone()).into_bytes();
            let p = match self.choose(&parts, key.as_deref().map(str::as_bytes), *partition) {
                Ok(p) => p,
                Err(o) => {
                    out[i] = Some(o);
                    continue;
                }
            };
            let g = groups.entry((topic.clone(), p)).or_default();
            g.0.push(i);
            for v in values {
                g.1.push(Record {
                    key: Some(key_bytes.clone()),
                    value: Some(v.clone().into_bytes()),
                    headers: BTreeMap::from([(
                        "wirewatch-idempotency-key".to_string(),
                        idem.clone().into_bytes(),
                    )]),
                    timestamp: chrono::DateTime::from_timestamp_millis(row.create_time)
                        .unwrap_or_default(),
                });
            }
        }
        let compression = match self.target.compression {
            KafkaCompression::None => Compression::NoCompression,
            KafkaCompression::Gzip => Compression::Gzip,
            KafkaCompression::Snappy => Compression::Snappy,
        };
        // Every partition's batch at once: one round trip per round, not per partition.
        let mut jobs = Vec::with_capacity(groups.len());
        let mut broken = false;
        for ((topic, p), (idx, records)) in groups {
            match self.producer(&topic, p).await {
                Ok(pc) => jobs.push((topic, p, idx, records, pc)),
                Err(o) => {
                    broken = true;
                    for i in idx {
                        out[i] = Some(o.clone());
                    }
                }
            }
        }
        let futures = jobs
            .into_iter()
            .map(|(topic, p, idx, records, pc)| async move {
                let r = pc.produce(records, compression).await;
                (topic, p, idx, r)
            });
        for (topic, p, idx, r) in join_all(futures).await {
            let o = match r {
                Ok(_) => Outcome::Sent,
                Err(e) => {
                    broken = true;
                    retry(format!("producing to {topic:?}/{p}: {e}"))
                }
            };
            for i in idx {
                out[i] = Some(o.clone());
            }
        }
        if broken {
            self.reset();
        }
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| retry("not attempted")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_the_java_client() {
        // Values of org.apache.kafka.common.utils.Utils.murmur2 (Kafka's own unit test).
        assert_eq!(murmur2(b"21"), -973_932_308);
        assert_eq!(murmur2(b"foobar"), -790_332_482);
        assert_eq!(murmur2(b"a-little-bit-long-string"), -985_981_536);
        assert_eq!(murmur2(b"a-little-bit-longer-string"), -1_486_304_829);
        assert_eq!(
            murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"),
            -58_897_971
        );
        assert_eq!(murmur2(b"abc"), 479_470_107);
    }
}
