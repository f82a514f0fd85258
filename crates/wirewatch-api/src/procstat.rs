//! `GET /extrahop/processes` from `/proc`: the server process and its
//! components, each the set of its threads named alike (CPU time is per
//! thread; memory is the process's, which its threads share).

use serde::Serialize;
use std::collections::BTreeMap;

/// Clock ticks per second of `/proc/*/stat` times (`USER_HZ`, 100 on every
/// Linux architecture wirewatch runs on).
const TICKS: u64 = 100;

/// One row of `GET /extrahop/processes`.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Process")]
pub struct Process {
    /// The process or component: `wirewatch` (the whole server process),
    /// `runtime` (the async workers: REST API, web app, ODS delivery,
    /// alerts, incident connectors), `store` (the commit and password-hash
    /// threads), `capture` (capture files, live interfaces, EVE, the packet
    /// store), `triggers` (the JavaScript engine), `other`.
    pub process: String,
    /// Whether `POST /extrahop/processes/{process}/restart` restarts it.
    pub can_restart: bool,
    /// Average CPU use since it started, percent of one core.
    pub cpu: f64,
    /// CPU time used (user + system), milliseconds.
    pub cpu_time: u64,
    /// Resident memory as a percentage of the machine's (the process's:
    /// threads share it).
    pub mem_percent: f64,
    /// Resident memory, bytes (the process's).
    pub mem_res: u64,
    /// Virtual memory, bytes (the process's).
    pub mem_virt: u64,
    /// When it started, milliseconds since the epoch (a component: its
    /// oldest thread).
    pub start_time: i64,
    /// Its threads (wirewatch extension).
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub threads: usize,
}

/// The component a thread belongs to, by its name (`comm`, at most 15 bytes).
fn component(comm: &str) -> &'static str {
    if comm.starts_with("tokio-runtime") || comm.starts_with("tokio-") {
        "runtime"
    } else if comm.starts_with("wirewatch-commi") || comm.starts_with("wirewatch-hash") {
        "store"
    } else if comm.starts_with("wirewatch-captu")
        || comm.starts_with("wirewatch-inges")
        || comm.starts_with("wirewatch-eve")
        || comm.starts_with("packet-store")
    {
        "capture"
    } else if comm.starts_with("wirewatch-trigg") {
        "triggers"
    } else {
        "other"
    }
}

/// (utime + stime ticks, start ticks since boot) from a `stat` line.
fn stat_times(stat: &str) -> Option<(u64, u64)> {
    // The name is in parentheses and may hold spaces: fields follow the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime 14, stime 15, starttime 22.
    let n = |i: usize| f.get(i - 3)?.parse::<u64>().ok();
    Some((n(14)? + n(15)?, n(22)?))
}

fn kib_line(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

/// The process and its components; `None` where `/proc` cannot be read
/// (not Linux).
pub fn processes(restartable: &[&str]) -> Option<Vec<Process>> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let boot_s = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse::<u64>().ok())
        })
        .unwrap_or(0);
    let now_ms = wirewatch_model::now_ms();
    let (mem_res, mem_virt) = (kib_line(&status, "VmRSS:"), kib_line(&status, "VmSize:"));
    let total = kib_line(&meminfo, "MemTotal:");
    let mem_percent = if total > 0 {
        (mem_res as f64 * 100.0 / total as f64 * 100.0).round() / 100.0
    } else {
        0.0
    };
    let start_ms = |ticks: u64| ((boot_s * 1000) + ticks * 1000 / TICKS) as i64;
    let row = |name: &str, cpu_ticks: u64, start_ticks: u64, threads: usize| {
        let cpu_time = cpu_ticks * 1000 / TICKS;
        let start_time = start_ms(start_ticks);
        let up = (now_ms - start_time).max(1) as f64;
        Process {
            process: name.to_string(),
            can_restart: restartable.contains(&name),
            cpu: (cpu_time as f64 * 100.0 / up * 100.0).round() / 100.0,
            cpu_time,
            mem_percent,
            mem_res,
            mem_virt,
            start_time,
            threads,
        }
    };
    let (p_cpu, p_start) = stat_times(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    let mut out = Vec::new();
    let mut parts: BTreeMap<&'static str, (u64, u64, usize)> = BTreeMap::new();
    let mut all = 0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            let dir = t.path();
            let (Ok(comm), Ok(stat)) = (
                std::fs::read_to_string(dir.join("comm")),
                std::fs::read_to_string(dir.join("stat")),
            ) else {
                continue;
            };
            let Some((cpu, start)) = stat_times(&stat) else {
                continue;
            };
            let e = parts
                .entry(component(comm.trim()))
                .or_insert((0, u64::MAX, 0));
            e.0 += cpu;
            e.1 = e.1.min(start);
            e.2 += 1;
            all += 1;
        }
    }
    out.push(row("wirewatch", p_cpu, p_start, all));
    for (name, (cpu, start, n)) in parts {
        out.push(row(name, cpu, start, n));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_spaces_in_the_name_are_read() {
        let line = "4242 (a b) c) S 1 2 3 4 5 6 7 8 9 10 150 50 0 0 20 0 1 0 9000 1 2";
        assert_eq!(stat_times(line), Some((200, 9000)));
    }

    #[test]
    fn this_process_is_listed_with_its_threads() {
        let rows = processes(&[]).expect("/proc on Linux");
        let me = &rows[0];
        assert_eq!(me.process, "wirewatch");
        assert!(me.threads >= 1 && me.mem_res > 0 && me.start_time > 0);
        let sum: usize = rows[1..].iter().map(|r| r.threads).sum();
        assert_eq!(sum, me.threads);
    }
}
