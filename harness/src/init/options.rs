//! What the grader asks of one case's init, passed in one environment variable
//! (`PROCLAB_INIT_OPTS`) as comma-separated words, so that the init's command line
//! stays `--as-case-init PROGRAM ARGS...`.
//!
//! `namespaces`, `run-as=UID:GID`, `terminal`, `nproc=N`, `cpu=SECONDS`,
//! `watchdog=N`, `jitter=SEED`, `hide=PATH` (repeatable; no commas in PATH).

/// The environment variable that carries the options.
pub const OPTS_ENV: &str = "PROCLAB_INIT_OPTS";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitOptions {
    /// Become PID 1 of fresh user, PID and mount namespaces (containment tier 1).
    pub namespaces: bool,
    /// With `namespaces`, for a root grader: become root of the new user namespace
    /// (whose ids are unprivileged on the host) before starting anything.
    pub ns_root: bool,
    /// Drop the program to this uid and gid before exec.
    pub run_as: Option<(u32, u32)>,
    /// The program's stdio is a pseudo-terminal, its controlling terminal.
    pub terminal: bool,
    /// RLIMIT_NPROC for the program.
    pub nproc: Option<u64>,
    /// RLIMIT_CPU (soft) for the program, in seconds.
    pub cpu_secs: Option<u64>,
    /// Stop the case when it has more than this many processes (a fork bomb, also
    /// where RLIMIT_NPROC does not hold, as for root).
    pub watchdog: Option<usize>,
    /// Delay the program's exec by a pseudo-random 0-2 ms from this seed (stress runs).
    pub jitter: Option<u64>,
    /// Folders covered by an empty read-only tmpfs inside the case's mount namespace
    /// (the hidden cases and the solutions), files by /dev/null (the reference
    /// binaries). Only with `namespaces`.
    pub hide: Vec<String>,
}

impl InitOptions {
    pub fn render(&self) -> String {
        let mut words = Vec::new();
        if self.namespaces {
            words.push("namespaces".to_string());
        }
        if self.ns_root {
            words.push("ns-root".to_string());
        }
        if let Some((u, g)) = self.run_as {
            words.push(format!("run-as={u}:{g}"));
        }
        if self.terminal {
            words.push("terminal".to_string());
        }
        if let Some(n) = self.nproc {
            words.push(format!("nproc={n}"));
        }
        if let Some(s) = self.cpu_secs {
            words.push(format!("cpu={s}"));
        }
        if let Some(n) = self.watchdog {
            words.push(format!("watchdog={n}"));
        }
        if let Some(seed) = self.jitter {
            words.push(format!("jitter={seed}"));
        }
        for path in &self.hide {
            words.push(format!("hide={path}"));
        }
        words.join(",")
    }

    pub fn parse(text: &str) -> Result<InitOptions, String> {
        let mut o = InitOptions::default();
        for word in text.split(',').filter(|w| !w.is_empty()) {
            let (key, value) = word.split_once('=').unwrap_or((word, ""));
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{key}: not a number: {value:?}"))
            };
            match key {
                "namespaces" => o.namespaces = true,
                "ns-root" => o.ns_root = true,
                "terminal" => o.terminal = true,
                "run-as" => {
                    let (u, g) = value.split_once(':').ok_or("run-as wants UID:GID")?;
                    let u = u.parse().map_err(|_| "run-as: bad uid")?;
                    let g = g.parse().map_err(|_| "run-as: bad gid")?;
                    o.run_as = Some((u, g));
                }
                "nproc" => o.nproc = Some(number()?),
                "cpu" => o.cpu_secs = Some(number()?),
                "watchdog" => o.watchdog = Some(number()? as usize),
                "jitter" => o.jitter = Some(number()?),
                "hide" => o.hide.push(value.to_string()),
                _ => return Err(format!("unknown init option {word:?}")),
            }
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let o = InitOptions {
            namespaces: true,
            ns_root: true,
            run_as: Some((65534, 65534)),
            terminal: true,
            nproc: Some(300),
            cpu_secs: Some(12),
            watchdog: Some(1000),
            jitter: Some(7),
            hide: vec!["/repo/solutions".into(), "/repo/harness/hidden".into()],
        };
        assert_eq!(InitOptions::parse(&o.render()), Ok(o));
        assert_eq!(InitOptions::parse(""), Ok(InitOptions::default()));
        assert!(InitOptions::parse("fast").is_err());
    }
}
