//! How cases are contained on this machine: the tier, chosen once at start-up and
//! printed in every report, and what it means for one case (which user the program
//! runs as, which snapshot variant applies, whether the case can run at all).
//!
//! 1. `namespaces`: each case's init is PID 1 of a fresh PID namespace, inside a user
//!    namespace and a mount namespace of its own (its own /proc, an empty /dev/shm).
//!    kill(-1) reaches only the case; when the init exits the kernel kills whatever
//!    is left. Works for root and, where the kernel allows unprivileged user
//!    namespaces, for an ordinary user.
//! 2. `dedicated-uid`: root without namespaces. The program runs as a uid of its own
//!    per case, so RLIMIT_NPROC holds (it is never enforced for uid 0) and cleanup can
//!    kill everything that uid owns.
//! 3. `best-effort`: an ordinary user without namespaces. The init is a child
//!    subreaper that sweeps its subtree via /proc; rlimits bound the rest.
//!
//! `PROCLAB_CONTAINMENT=namespaces|dedicated-uid|best-effort` forces a tier (for tests
//! of the fallbacks, or a machine where the probe is wrong).

use std::path::Path;
use std::sync::OnceLock;

use crate::case::{Case, Privilege, Requirement};

/// The user an ordinary-user run is dropped to when the grader is root: nobody.
pub const NOBODY: (u32, u32) = (65534, 65534);
/// Dedicated uids for tier 2 are taken from here up (far above any real account).
pub const DEDICATED_BASE: u32 = 0x5EED_0000;
/// Tier 1 for a root grader: ids 0-65535 of a case's user namespace are host ids
/// NS_BASE.. : the program may be root inside (and drop to uid 1000 there), yet it is
/// no one outside, so RLIMIT_NPROC holds, and files of the machine's root are not its.
pub const NS_BASE: u32 = 0x5EEC_0000;
/// How many ids the root grader maps into a case's user namespace.
pub const NS_RANGE: u32 = 65536;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Namespaces,
    DedicatedUid,
    BestEffort,
}

impl Tier {
    pub fn word(self) -> &'static str {
        match self {
            Tier::Namespaces => "namespaces",
            Tier::DedicatedUid => "dedicated-uid",
            Tier::BestEffort => "best-effort",
        }
    }

    fn parse(s: &str) -> Option<Tier> {
        [Tier::Namespaces, Tier::DedicatedUid, Tier::BestEffort]
            .into_iter()
            .find(|t| t.word() == s)
    }
}

/// The grader's containment, fixed for the whole run.
#[derive(Debug, Clone)]
pub struct Containment {
    pub tier: Tier,
    /// The grader runs as root.
    pub root: bool,
    /// `--unprivileged`: a root grader runs every program as an ordinary user, to grade
    /// what students see (and to record the `.unprivileged` snapshots).
    pub unprivileged: bool,
    /// Why a better tier was not available, when it was not.
    pub fallback_reason: Option<String>,
}

/// How one case runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Drop the program to this uid and gid before exec (as ids of the program's own
    /// user namespace in tier 1); None keeps the init's.
    pub run_as: Option<(u32, u32)>,
    /// Who owns the scratch directory: the program's ids as the host sees them.
    pub owner: Option<(u32, u32)>,
    /// The uid and gid the program has (the normaliser's <UID> and <GID>).
    pub uid: u32,
    pub gid: u32,
    /// The case needs root but gets an ordinary user: grade `<case>.unprivileged.snap`.
    pub unprivileged_variant: bool,
    /// The case cannot run here, and why.
    pub skip: Option<String>,
}

impl Containment {
    /// Probes once per process; later calls return the same answer.
    pub fn detect(init_exe: &Path) -> Containment {
        static DETECTED: OnceLock<Containment> = OnceLock::new();
        DETECTED.get_or_init(|| probe(init_exe)).clone()
    }

    pub fn with_unprivileged(mut self, on: bool) -> Containment {
        self.unprivileged = on && self.root;
        self
    }

    /// One line for every report.
    pub fn summary(&self) -> String {
        let mut s = match self.tier {
            Tier::Namespaces => "namespaces: each case's init is PID 1 of its own PID, user and \
                                 mount namespace; the program is PID 2"
                .to_string(),
            Tier::DedicatedUid => "dedicated-uid: each case runs as a uid of its own, and \
                                   everything of that uid is killed afterwards"
                .to_string(),
            Tier::BestEffort => "best effort: a per-case init (child subreaper) reaps and \
                                 kills every descendant it can find; rlimits bound the rest"
                .to_string(),
        };
        if let Some(why) = &self.fallback_reason {
            s.push_str(&format!(" (namespaces unavailable: {why})"));
        }
        if self.unprivileged {
            s.push_str("; programs run as uid 65534 (--unprivileged)");
        }
        s
    }

    /// Decides how `case` runs. `slot` numbers the case within this grader run, for a
    /// dedicated uid.
    pub fn plan(&self, case: &Case, slot: u32) -> Plan {
        let me = (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        );
        // In tier 1 a root grader's ids are shifted by NS_BASE on the host.
        let host = |id: (u32, u32)| match self.tier == Tier::Namespaces && self.root {
            true => (NS_BASE + id.0, NS_BASE + id.1),
            false => id,
        };
        let drop_to = |id: (u32, u32)| Plan {
            run_as: Some(id),
            owner: Some(host(id)),
            uid: id.0,
            gid: id.1,
            unprivileged_variant: case.privilege == Privilege::Root,
            skip: None,
        };
        let mut plan = match case.privilege {
            // Root programs only where the grader is root and may hand it on.
            Privilege::Root if self.root && !self.unprivileged => Plan {
                run_as: None,
                owner: (self.tier == Tier::Namespaces).then(|| host((0, 0))),
                uid: 0,
                gid: 0,
                unprivileged_variant: false,
                skip: None,
            },
            _ if self.root && self.tier == Tier::DedicatedUid => {
                let id = DEDICATED_BASE + (std::process::id() % 4096) * 4096 + slot % 4096;
                drop_to((id, id))
            }
            _ if self.root && (self.unprivileged || case.privilege == Privilege::None) => {
                drop_to(NOBODY)
            }
            _ => Plan {
                run_as: None,
                owner: (self.tier == Tier::Namespaces && self.root).then(|| host(me)),
                uid: me.0,
                gid: me.1,
                unprivileged_variant: case.privilege == Privilege::Root && me.0 != 0,
                skip: None,
            },
        };
        for req in &case.requires {
            let missing = match req {
                Requirement::PidNamespace if self.tier != Tier::Namespaces => Some(
                    "needs a PID namespace of its own (containment tier 1), which this \
                     machine does not give",
                ),
                // Who is pid 1 for the program: the case's init (namespaces, running as
                // the grader's user) or the machine's init (root).
                Requirement::ForeignPid1 => {
                    let pid1_uid = if self.tier == Tier::Namespaces {
                        me.0
                    } else {
                        0
                    };
                    (pid1_uid == plan.uid).then_some(
                        "needs pid 1 to belong to another user than the program, which is \
                         not so here",
                    )
                }
                _ => None,
            };
            if let Some(why) = missing {
                plan.skip = Some(why.to_string());
                break;
            }
        }
        plan
    }
}

fn probe(init_exe: &Path) -> Containment {
    let root = nix::unistd::geteuid().is_root();
    let forced = std::env::var("PROCLAB_CONTAINMENT").ok();
    let mut c = Containment {
        tier: Tier::BestEffort,
        root,
        unprivileged: false,
        fallback_reason: None,
    };
    if let Some(word) = forced.as_deref().and_then(Tier::parse) {
        c.tier = word;
        if c.tier == Tier::DedicatedUid && !root {
            c.tier = Tier::BestEffort;
        }
        return c;
    }
    match probe_namespaces(init_exe, c.clone()) {
        Ok(()) => c.tier = Tier::Namespaces,
        Err(why) => {
            c.tier = if root {
                Tier::DedicatedUid
            } else {
                Tier::BestEffort
            };
            c.fallback_reason = Some(why);
        }
    }
    c
}

/// Runs one trivial case in tier 1 and checks that it came out as it should: the
/// program is PID 2 below an init that is PID 1.
fn probe_namespaces(init_exe: &Path, mut c: Containment) -> Result<(), String> {
    c.tier = Tier::Namespaces;
    let runner = crate::run::Runner::with_containment(init_exe.to_path_buf(), c);
    let case = Case::inline("namespace probe", &["-c", "exit 0"], 5000);
    let obs = runner.run(Path::new("/bin/sh"), &case);
    if let Some(e) = obs.spawn_error {
        return Err(e);
    }
    match (obs.status, obs.main_pid, obs.parent_pid) {
        (Some(crate::run::Status::Exited(0)), 2, 1) => Ok(()),
        other => Err(format!("the probe case ended as {other:?}")),
    }
}
