//! CPU time of the bench process and of the local PostgreSQL server, read
//! from `/proc`: shared by the benches that print where the cores went.

use std::time::Duration;

/// CPU time used so far by this process and by the processes named
/// `postgres`, from `/proc` (Linux; `None` elsewhere). Taken around a run,
/// it says where the machine's cores went per operation: the ratio of two paths
/// on one machine is the ratio of what they cost in all, server and
/// database together, so this shows which side an improvement must come
/// from.
pub fn cpu_now() -> Option<(Duration, Duration)> {
    fn ticks(stat: &str) -> Option<u64> {
        // utime and stime: fields 14 and 15, counted after the command's
        // closing parenthesis (the command may hold spaces).
        let rest = stat.rsplit_once(')')?.1;
        let mut fields = rest.split_whitespace().skip(11);
        Some(fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?)
    }
    // USER_HZ is 100 on every Linux this runs on.
    let as_time = |t: u64| Duration::from_millis(t * 10);
    let own = ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    let mut db = 0;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let path = entry.path();
        if std::fs::read_to_string(path.join("comm")).is_ok_and(|c| c.trim() == "postgres")
            && let Some(t) = std::fs::read_to_string(path.join("stat"))
                .ok()
                .as_deref()
                .and_then(ticks)
        {
            db += t;
        }
    }
    Some((as_time(own), as_time(db)))
}
